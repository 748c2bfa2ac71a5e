/**
 * Start-up benchmark (npm run bench:startup): how long `plugrig --help` and `plugrig --version`
 * take as whole processes from the compiled CLI (bin/plugrig.js → dist/), against the floor of
 * `node -e 0` on the same machine at the same moment. The three are interleaved so a noisy
 * neighbour hits all of them alike. Medians over PLUGRIG_BENCH_REPS runs (default 21).
 * Target (issue 10): --help ≤ 0.3 s as a median. Exit 1 if it is over, or if a command fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/plugrig.js', import.meta.url));
const REPS = Math.max(1, Number(process.env.PLUGRIG_BENCH_REPS ?? 21));
const TARGET_MS = 300;

if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
  console.error('bench:startup: dist/ is missing; run `npm run build` first (npm run bench:startup does)');
  process.exit(1);
}

const CASES: { label: string; args: string[] }[] = [
  { label: 'node -e 0 (floor)', args: ['-e', '0'] },
  { label: 'plugrig --help', args: [bin, '--help'] },
  { label: 'plugrig --version', args: [bin, '--version'] },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const times = CASES.map(() => [] as number[]);
let failed = false;
for (let i = 0; i < REPS; i++) {
  for (const [k, c] of CASES.entries()) {
    const t0 = performance.now();
    // NODE_OPTIONS cleared: a tsx or test preload inherited from the caller would not be start-up.
    const r = spawnSync(process.execPath, c.args, { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    times[k]!.push(performance.now() - t0);
    if (r.status !== 0) {
      failed = true;
      console.error(`${c.label}: exit ${r.status}\n${r.stderr}`);
    }
  }
}

const floor = median(times[0]!);
console.log(`start-up benchmark: ${REPS} run(s) each, interleaved, node ${process.version}`);
for (const [k, c] of CASES.entries()) {
  const m = median(times[k]!);
  const extra = k === 0 ? '' : `  ${(m / floor).toFixed(2)} × floor (+${(m - floor).toFixed(0)} ms)`;
  console.log(
    `  ${c.label.padEnd(20)} median ${(m / 1000).toFixed(3)} s (min ${(Math.min(...times[k]!) / 1000).toFixed(3)}, max ${(Math.max(...times[k]!) / 1000).toFixed(3)})${extra}`,
  );
}
const help = median(times[1]!);
console.log(`  --help median ${(help / 1000).toFixed(3)} s: ${help <= TARGET_MS ? 'within' : 'OVER'} the target ≤ ${TARGET_MS / 1000} s`);
if (failed || help > TARGET_MS) process.exitCode = 1;
