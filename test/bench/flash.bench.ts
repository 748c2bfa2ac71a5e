/**
 * Flash benchmark (npm run bench:flash): 1 MiB of realistic firmware onto a stock simulated CB2S
 * (Tuya factory image in flash, status register protected) on the simulator's realistic timing, at
 * 921600 and 2000000 baud. Prints the whole session time (link, baud switch, identify, unprotect,
 * erase/program, CRC verify, reboot), the floor (flash-floor.ts) and their ratio; then a
 * differential re-flash after one changed sector and its share of the full session. Medians over
 * PLUGRIG_BENCH_REPS runs (default 3). Then the whole process: the compiled `plugrig flash` as its
 * own process against the module served on a pty, timed from spawn to exit (node start-up, module
 * loading, port open included), and its ratio to the same floor.
 * With PLUGRIG_BENCH_PEER set to a command template ({pty}, {image}, {baud}) the same job is run
 * by that tool against the simulated module served on a pty, and the ratio is printed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flasher } from '../../src/bk7231/flasher.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { createSimModule, REALISTIC_TIMING, startPtyServer } from '../../src/sim/index.js';
import { cenPulse, openSimPort, powerCycle } from '../bk7231/sim-rig.js';
import { flashFloor } from './flash-floor.js';

const MiB = 1024 * 1024;
const BAUDS = [921600, 2000000];
const REPS = Math.max(1, Number(process.env.PLUGRIG_BENCH_REPS ?? 3));
/** The compiled CLI (npm run bench:flash builds it first). */
const CLI = fileURLToPath(new URL('../../bin/plugrig.js', import.meta.url));
if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
  console.error('bench:flash: dist/ is missing; run `npm run build` first (npm run bench:flash does)');
  process.exit(1);
}
const image = generateTestImage({ size: MiB });
const changed = Buffer.from(image);
changed[0x84321] = changed[0x84321]! ^ 0x40; // one sector differs

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Run {
  fullMs: number;
  connectMs: number;
  diffMs: number;
  diffWritten: number;
  floorMs: number;
  floor: ReturnType<typeof flashFloor>;
  ok: boolean;
}

async function session(modulePath: string, resets: ReturnType<typeof cenPulse>[], baud: number, data: Buffer, diff: boolean) {
  const t0 = performance.now();
  const port = await openSimPort(modulePath);
  const flasher = await Flasher.connect({ port, resets, baudRate: baud });
  const connectMs = performance.now() - t0;
  try {
    const r = await flasher.write(data, { offset: 0, diff, reboot: true });
    return { ms: performance.now() - t0, connectMs, written: r.written };
  } finally {
    await flasher.close();
  }
}

async function once(baud: number, seed: number): Promise<Run> {
  const module = createSimModule({ timing: 'realistic', seed });
  module.powerNet.setHostDrive(1);
  const resets = [cenPulse(module), powerCycle(module)];
  try {
    const before = module.flash.read(0, MiB);
    const floor = flashFloor(before, image, 0, baud, REALISTIC_TIMING);
    const full = await session(module.uartPath, resets, baud, image, false);
    const okFull = module.flash.read(0, MiB).equals(image);
    await new Promise((r) => setTimeout(r, 300)); // let the rebooted firmware come up, as in real use
    const d = await session(module.uartPath, resets, baud, changed, true);
    const ok = okFull && module.flash.read(0, MiB).equals(changed);
    return { fullMs: full.ms, connectMs: full.connectMs, diffMs: d.ms, diffWritten: d.written, floorMs: floor.totalMs, floor, ok };
  } finally {
    await module.close();
  }
}

/**
 * Runs an outside process against the simulated module served on a pty (its ROM listening without
 * a reset), times it from spawn to exit, and checks the flash holds the image afterwards.
 */
async function onPty(baud: number, argv: (pty: string, file: string) => { cmd: string; args: string[] }, quiet = false) {
  const module = createSimModule({ timing: 'realistic', downloadWindowMs: Number.POSITIVE_INFINITY, powered: true });
  const floor = flashFloor(module.flash.read(0, MiB), image, 0, baud, REALISTIC_TIMING);
  const pty = await startPtyServer(module);
  const dir = mkdtempSync(join(tmpdir(), 'plugrig-bench-'));
  const file = join(dir, 'image.bin');
  writeFileSync(file, image);
  const { cmd, args } = argv(pty.path, file);
  try {
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const env = { ...process.env };
      delete env.NODE_OPTIONS; // the bench's own loader is not the tool's start-up
      // quiet: the tool's progress lines are kept back and shown only if it fails.
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', quiet ? 'pipe' : 'inherit'], env });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      const kill = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
      child.on('exit', (c) => {
        clearTimeout(kill);
        if (c !== 0 && stderr) process.stderr.write(stderr);
        resolve(c);
      });
    });
    return { ms: performance.now() - t0, ok: module.flash.read(0, MiB).equals(image), code, floorMs: floor.totalMs };
  } finally {
    await pty.close();
    await module.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A peer tool from a command template ({pty}, {image}, {baud}), run through sh. */
function peer(template: string, baud: number) {
  return onPty(baud, (pty, file) => ({
    cmd: 'sh',
    args: ['-c', template.replaceAll('{pty}', pty).replaceAll('{image}', file).replaceAll('{baud}', String(baud))],
  }));
}

/** `plugrig flash` as a user runs it: the compiled CLI as its own process, start-up included. */
function wholeProcess(baud: number) {
  return onPty(baud, (pty, file) => ({ cmd: process.execPath, args: [CLI, 'flash', file, '--port', pty, '--baud', String(baud)] }), true);
}

async function benchMain(): Promise<void> {
  const sectorsNonBlank = (() => {
    let n = 0;
    for (let a = 0; a < MiB; a += 4096) if (!image.subarray(a, a + 4096).every((b) => b === 0xff)) n++;
    return n;
  })();
  console.log(
    `flash benchmark: 1 MiB image (${sectorsNonBlank} non-blank sectors) onto a stock module (factory image, SR 0x4004), realistic timing, ${REPS} run(s) per speed`,
  );
  let allOk = true;
  for (const baud of BAUDS) {
    const runs: Run[] = [];
    for (let i = 0; i < REPS; i++) runs.push(await once(baud, i + 1));
    allOk &&= runs.every((r) => r.ok);
    const full = median(runs.map((r) => r.fullMs));
    const floor = median(runs.map((r) => r.floorMs));
    const diff = median(runs.map((r) => r.diffMs));
    const f = runs[0]!.floor;
    console.log(`\n${baud} baud`);
    console.log(`  full write   ${fmt(full)} (link+identify ${fmt(median(runs.map((r) => r.connectMs)))}); runs: ${runs.map((r) => fmt(r.fullMs)).join(', ')}`);
    console.log(`  floor        ${fmt(floor)} = wire ${fmt(f.wireMs)} (${f.sectorsToProgram} sectors) + erase ${fmt(f.eraseMs)} + program ${fmt(f.programMs)}`);
    console.log(`  ratio        ${(full / floor).toFixed(3)} × floor (target ≤ 1.10)`);
    console.log(
      `  diff re-flash ${fmt(diff)} for ${runs[0]!.diffWritten} changed sector(s) = ${((diff / full) * 100).toFixed(1)} % of the full write (target ≤ 3 %)`,
    );
    const crcBound = (MiB / REALISTIC_TIMING.crcBytesPerSec) * 1000;
    console.log(
      `               (bound: comparing 1 MiB by chip CRC at ${REALISTIC_TIMING.crcBytesPerSec / 1000} kB/s alone takes ${fmt(crcBound)} = ${((crcBound / full) * 100).toFixed(1)} % of the full write)`,
    );
    console.log(`  read-back    ${runs.every((r) => r.ok) ? 'flash equals the image after both writes' : 'MISMATCH'}`);
    const whole: Awaited<ReturnType<typeof wholeProcess>>[] = [];
    for (let i = 0; i < REPS; i++) whole.push(await wholeProcess(baud));
    const wholeOk = whole.every((w) => w.ok && w.code === 0);
    allOk &&= wholeOk;
    const wholeMs = median(whole.map((w) => w.ms));
    const wholeFloor = median(whole.map((w) => w.floorMs));
    console.log(
      `  whole process ${fmt(wholeMs)} = \`plugrig flash --port <pty>\` from dist/, start-up included (runs: ${whole.map((w) => fmt(w.ms)).join(', ')}; ` +
        `${wholeOk ? 'exit 0, flash verified' : 'FAILED: ' + whole.map((w) => `exit ${w.code}${w.ok ? '' : ' flash differs'}`).join(', ')})`,
    );
    console.log(`  ratio        ${(wholeMs / wholeFloor).toFixed(3)} × floor ${fmt(wholeFloor)} for the whole process (target ≤ 1.10)`);
    const template = process.env.PLUGRIG_BENCH_PEER;
    if (template) {
      const p = await peer(template, baud);
      if (p) {
        console.log(
          `  peer tool    ${fmt(p.ms)} (exit ${p.code}, ${p.ok ? 'flash verified' : 'flash NOT equal to the image'}) → plugrig is ${(p.ms / full).toFixed(2)}× faster`,
        );
      }
    }
  }
  if (!allOk) process.exitCode = 1;
}

await benchMain();
