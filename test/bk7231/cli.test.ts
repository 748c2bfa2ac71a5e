/**
 * The info / backup / flash / verify commands end to end: through main() with captured output,
 * against the default simulated rig and — with the real OS serial binding — against a simulated
 * module served on a pty (needs python3, as the simulator's pty server does).
 */
import { describe, test, expect, afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { createSimModule, startPtyServer, type PtyServer, type SimModule } from '../../src/sim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'plugrig-flash-cli-'));

async function run(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(argv, { out, err, signal: signal ?? new AbortController().signal, cwd: process.cwd(), env: {} });
  return { code, out: o, err: e };
}

describe('flash commands on the default simulated rig', () => {
  test('info --json names chip, flash and MAC', async () => {
    const r = await run(['info', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.chipId).toBe('0x7231C');
    expect(j.flashPart).toBe('TH25Q16HB');
    expect(j.mac).toMatch(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
    expect(j.protected).toBe(true);
  });

  test('flash a small image at 2 Mbaud: exit 0 and a verified CRC', async () => {
    const img = join(dir, 'small.bin');
    writeFileSync(img, generateTestImage({ size: 96 * 1024 }));
    const r = await run(['flash', img, '--baud', '2M', '--json', '--no-reboot']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.verified).toBe(true);
    expect(j.sectorsWritten).toBe(24);
  });

  test('bad input: one line, non-zero exit, nothing touched', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024 + 4096, 0x11));
    const r = await run(['flash', big]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^E_IMAGE_TOO_LARGE: /);
    const both = await run(['info', '--rig', 'rigs/sim.json', '--port', '/dev/null']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^E_USAGE/);
    const missing = await run(['info', '--port', join(dir, 'no-such-tty')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^E_PORT_MISSING/);
  });

  test('Ctrl-C during a flash stops with exit 130', async () => {
    const img = join(dir, 'mid.bin');
    writeFileSync(img, generateTestImage({ size: 512 * 1024 }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 900);
    const r = await run(['flash', img, '--no-reboot'], ac.signal);
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/E_ABORTED/);
  });
});

const havePython = (() => {
  try {
    return readdirSync('/usr/bin').includes('python3');
  } catch {
    return false;
  }
})();
if (!havePython) console.warn('skipping the pty CLI tests: python3 (needed by the simulator pty server) is not installed');
const ptyDescribe = havePython ? describe : describe.skip;

ptyDescribe('flash commands on a bare port (real serial binding, simulated module on a pty)', () => {
  let module: SimModule;
  let pty: PtyServer;
  beforeAll(async () => {
    module = createSimModule({ timing: 'fast', downloadWindowMs: Number.POSITIVE_INFINITY, powered: true, mac: 'C8478CAABBCC' });
    pty = await startPtyServer(module);
  });
  afterAll(async () => {
    await pty?.close();
    await module?.close();
  });

  test('flash, verify, tamper, verify fails, backup is named by MAC and hash', async () => {
    const img = join(dir, 'pty.bin');
    const data = generateTestImage({ size: 128 * 1024, seed: 3 });
    writeFileSync(img, data);
    const before = module.flash.read(0, 2 * 1024 * 1024);
    const pre = join(dir, 'pre-flash');
    const f = await run(['flash', img, '--port', pty.path, '--no-reboot', '--backup', pre + '/']);
    expect(f.err).not.toMatch(/^E_/m);
    expect(f.code).toBe(0);
    // The whole flash as it was before the erase, in a verified file named by MAC and hash.
    const saved = readdirSync(pre);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatch(/^C8478CAABBCC_[0-9a-f]{8}\.bin$/);
    expect(readFileSync(join(pre, saved[0]!)).equals(before)).toBe(true);
    expect(module.flash.read(0, data.length).equals(data)).toBe(true);
    expect((await run(['verify', img, '--port', pty.path, '--no-reboot'])).code).toBe(0);
    module.flash.program(0x5000, Buffer.from([0x00]));
    const bad = await run(['verify', img, '--port', pty.path, '--no-reboot']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^E_VERIFY_MISMATCH: .*0x5000/m);
    const bdir = join(dir, 'backups') + '/';
    const b = await run(['backup', bdir, '--port', pty.path, '--length', '0x40000', '--json', '--no-reboot']);
    expect(b.code).toBe(0);
    const file = JSON.parse(b.out).file as string;
    expect(file).toMatch(/C8478CAABBCC_[0-9a-f]{8}\.bin$/);
    expect(readFileSync(file).equals(module.flash.read(0, 0x40000))).toBe(true);
  });

  test('a port held by another program: E_PORT_BUSY', async () => {
    const { SerialPort } = await import('serialport');
    const holder = await new Promise<InstanceType<typeof SerialPort>>((resolve, reject) => {
      const p: InstanceType<typeof SerialPort> = new SerialPort({ path: pty.path, baudRate: 115200, lock: true }, (e) => (e ? reject(e) : resolve(p)));
    });
    try {
      const r = await run(['info', '--port', pty.path]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^E_PORT_BUSY/);
    } finally {
      await new Promise<void>((res) => holder.close(() => res()));
    }
  });
});

ptyDescribe('unplugging the adapter mid-write (real binding, pty removed)', () => {
  test('E_PORT_GONE within 2 s of the unplug', async () => {
    const module = createSimModule({ timing: 'realistic', downloadWindowMs: Number.POSITIVE_INFINITY, powered: true });
    const pty = await startPtyServer(module);
    try {
      const img = join(dir, 'unplug.bin');
      writeFileSync(img, generateTestImage({ size: 1024 * 1024 }));
      let unpluggedAt = 0;
      setTimeout(() => {
        unpluggedAt = performance.now();
        void pty.close();
      }, 1500);
      const r = await run(['flash', img, '--port', pty.path, '--no-reboot']);
      const noticedAfter = performance.now() - unpluggedAt;
      expect(unpluggedAt).toBeGreaterThan(0);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^E_PORT_GONE/m);
      expect(noticedAfter).toBeLessThan(2000);
    } finally {
      await pty.close().catch(() => undefined);
      await module.close();
    }
  });
});
