/**
 * Pure: period and duty of a blinking line from its timestamped edges. Medians, so one late
 * edge (a busy host) does not move the result.
 */
import type { Edge, Level } from '../io/types.js';

export interface BlinkStats {
  /** Edges after dropping repeats of the same level. */
  edges: number;
  /** Median time between edges of the same direction, ms; null with fewer than 3 edges. */
  periodMs: number | null;
  /** Median fraction of each full period spent at the on level; null without a complete period. */
  duty: number | null;
  /** Median time at each level, ms. */
  onMs: number | null;
  offMs: number | null;
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Removes edges that repeat the previous level (a watcher may report the starting level). */
export function alternating(edges: readonly Edge[]): Edge[] {
  const out: Edge[] = [];
  for (const e of [...edges].sort((a, b) => (a.tNs < b.tNs ? -1 : a.tNs > b.tNs ? 1 : 0))) {
    if (!out.length || out[out.length - 1]!.level !== e.level) out.push(e);
  }
  return out;
}

export function blinkStats(raw: readonly Edge[], onLevel: Level): BlinkStats {
  const edges = alternating(raw);
  const ms = (a: Edge, b: Edge) => Number(b.tNs - a.tNs) / 1e6;
  const periods: number[] = [];
  for (let i = 2; i < edges.length; i++) periods.push(ms(edges[i - 2]!, edges[i]!));
  const on: number[] = [];
  const off: number[] = [];
  const duties: number[] = [];
  for (let i = 1; i < edges.length; i++) {
    (edges[i - 1]!.level === onLevel ? on : off).push(ms(edges[i - 1]!, edges[i]!));
    // A full period that starts where the LED turns on: on-time / (on-time + off-time).
    if (i >= 2 && edges[i - 2]!.level === onLevel) {
      const onT = ms(edges[i - 2]!, edges[i - 1]!);
      const whole = ms(edges[i - 2]!, edges[i]!);
      if (whole > 0) duties.push(onT / whole);
    }
  }
  return { edges: edges.length, periodMs: median(periods), duty: median(duties), onMs: median(on), offMs: median(off) };
}
