/**
 * `plugrig records` output that streams: records come one at a time from the store's cursor and go
 * out as they come, waiting for the output to drain, so an answer of any size is written with flat
 * memory (the whole answer as one string broke past ~33k records).
 *   --json    a JSON array, written incrementally, one record a line inside it
 *   --ndjson  one record per line
 *   --csv     the shipment manifest, one run per line (columns in MANIFEST_COLUMNS)
 */
import type { RunRecord } from '../core/record.js';
import { formatMac } from '../report/console.js';

type Out = NodeJS.WritableStream;

/** Writes, and waits for 'drain' when the stream's buffer is full. */
function write(out: Out, chunk: string): Promise<void> | undefined {
  if (out.write(chunk)) return undefined;
  return new Promise((resolve) => out.once('drain', () => resolve()));
}

/** The meter phase whose measurements are a unit's calibration results. */
const CALIBRATION_PHASES = ['calibrate', 'bl0937'];

/**
 * The manifest's columns, in order (docs/websocket-protocol.md, "Records", says the same):
 *   mac                 the unit's MAC, AA:BB:CC:DD:EE:FF
 *   firmware_sha256     SHA-256 of the image flashed
 *   outcome             PASS, FAIL, ERROR, ABORTED; UNFINISHED / RUNNING for runs that did not end
 *   started_at          ISO 8601 UTC
 *   finished_at         ISO 8601 UTC, empty when the run did not end
 *   station             station name, empty when none was set
 *   slot                the station slot (fixture) it ran in
 *   run_id              the run's id in the store
 *   calibration_outcome outcome of the meter phase (calibrate, else bl0937), empty when there was none
 *   calibration         its measurements as `name=value unit verdict`, separated by `; `
 */
export const MANIFEST_COLUMNS = [
  'mac',
  'firmware_sha256',
  'outcome',
  'started_at',
  'finished_at',
  'station',
  'slot',
  'run_id',
  'calibration_outcome',
  'calibration',
] as const;

const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '' : new Date(ms).toISOString());

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function manifestRow(r: RunRecord): string[] {
  const meter = CALIBRATION_PHASES.map((n) => r.phases.find((p) => p.name === n && p.started)).find((p) => p !== undefined);
  const calibration = (meter?.measurements ?? [])
    .map((m) => `${m.name}=${typeof m.value === 'number' ? m.value : JSON.stringify(m.value)}${m.unit ? ` ${m.unit}` : ''} ${m.verdict}`)
    .join('; ');
  return [
    formatMac(r.unit.mac),
    r.firmware?.sha256 ?? '',
    r.status === 'finished' ? (r.outcome ?? '') : r.status.toUpperCase(),
    iso(r.startedAt),
    iso(r.finishedAt),
    r.station ?? '',
    r.slot,
    r.runId,
    meter?.outcome ?? '',
    calibration,
  ];
}

export type RecordFormat = 'json' | 'ndjson' | 'csv';

/** Streams `records` to `out` in `format`; resolves with how many were written. */
export async function streamRecords(records: AsyncIterable<RunRecord>, format: RecordFormat, out: Out): Promise<number> {
  let n = 0;
  if (format === 'csv') await write(out, `${MANIFEST_COLUMNS.join(',')}\r\n`);
  if (format === 'json') await write(out, '[');
  for await (const r of records) {
    const line =
      format === 'csv'
        ? `${manifestRow(r).map(csvField).join(',')}\r\n`
        : format === 'json'
          ? `${n ? ',' : ''}\n${JSON.stringify(r)}`
          : `${JSON.stringify(r)}\n`;
    n += 1;
    await write(out, line);
  }
  if (format === 'json') await write(out, n ? '\n]\n' : ']\n');
  return n;
}
