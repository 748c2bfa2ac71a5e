/**
 * The house's one-way arrows (DESIGN.md: cli → run/checks/report → bk7231/device/rig → io), as data:
 * each top-level folder of src/ lists the folders it may import from. A folder not listed here is an
 * error too, so a new folder has to take its place in the order before it can land.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  io: ['core'],
  // The simulator is a peer of what it tests: it may implement the line interfaces and throw the
  // project's error type, nothing more (file-level exceptions below).
  sim: [],
  rig: ['io', 'sim', 'core'],
  device: ['io', 'core'],
  bk7231: ['rig', 'io', 'core'],
  plan: ['core'],
  checks: ['plan', 'device', 'rig', 'io', 'core'],
  report: ['core'],
  run: ['plan', 'checks', 'report', 'bk7231', 'device', 'rig', 'io', 'core'],
  station: ['run', 'plan', 'checks', 'report', 'bk7231', 'device', 'rig', 'io', 'core'],
  cli: ['station', 'run', 'plan', 'checks', 'report', 'bk7231', 'device', 'rig', 'io', 'sim', 'core'],
  'index.ts': ['plan', 'run', 'checks', 'report', 'bk7231', 'device', 'rig', 'io', 'core'],
};

/** Single files a folder may import although the folder as a whole is off limits. */
export const ALLOWED_FILES: Record<string, readonly string[]> = {
  sim: ['io/types.ts', 'core/errors.ts'],
};

export interface ImportEdge {
  from: string; // path under src/, e.g. "checks/led.ts"
  to: string; // resolved path under src/
  line: number;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Relative imports of one source text, resolved to paths under src/ (".js" specifiers name ".ts" files). */
export function importsOf(fromRel: string, text: string): ImportEdge[] {
  const out: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2])!;
    const to = path.posix.normalize(path.posix.join(path.posix.dirname(fromRel), spec)).replace(/\.js$/, '.ts');
    const line = text.slice(0, m.index + m[0].search(/\S/)).split('\n').length;
    out.push({ from: fromRel, to, line });
  }
  return out;
}

const layerOf = (rel: string): string => (rel.includes('/') ? rel.split('/')[0]! : rel);

/** Why an import breaks the rules, or undefined when it is allowed. */
export function violation(edge: ImportEdge): string | undefined {
  const from = layerOf(edge.from);
  const to = layerOf(edge.to);
  if (edge.to.startsWith('..')) return `${edge.from}:${edge.line} imports ${edge.to}, outside src/`;
  if (from === to) return undefined;
  const allowed = ALLOWED[from];
  if (!allowed) return `${edge.from}: the folder "${from}" has no place in the layer table (test/arch/arrows.ts)`;
  if (allowed.includes(to) || ALLOWED_FILES[from]?.includes(edge.to)) return undefined;
  return `${edge.from}:${edge.line} imports ${edge.to}: "${from}" may import only from ${allowed.length ? allowed.join(', ') : 'itself'}${ALLOWED_FILES[from] ? ` and ${ALLOWED_FILES[from]!.join(', ')}` : ''}`;
}

export function sourceFiles(srcDir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(srcDir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(srcDir, r)).isDirectory()) out.push(...sourceFiles(srcDir, r));
    else if (name.endsWith('.ts')) out.push(r);
  }
  return out;
}

export function violationsIn(srcDir: string): string[] {
  const out: string[] = [];
  for (const rel of sourceFiles(srcDir)) {
    for (const edge of importsOf(rel, readFileSync(path.join(srcDir, rel), 'utf8'))) {
      const v = violation(edge);
      if (v) out.push(v);
    }
  }
  return out;
}
