/**
 * The info / backup / flash / verify commands end to end: through main() with captured output,
 * against the default simulated rig and — with the real OS serial binding — against a simulated
 * module served on a pty (needs python3, as the simulator's pty server does).
 */
import { describe, test, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { createSimModule, startPtyServer } from '../../src/sim/index.js';
import { withSession } from '../../src/cli/flash-session.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { BackupStore, backupLocation } from '../../src/report/store/backup-store.js';
import { describeIf } from '../support/describe-if.js';
import { havePython, ptyModuleForSuite } from '../cli/pty-module.js';

const dir = mkdtempSync(join(tmpdir(), 'plugrig-flash-cli-'));

async function run(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(argv, { out, err, signal: signal ?? new AbortController().signal, cwd: process.cwd(), env: { PLUGRIG_HOME: join(dir, 'home') } });
  return { code, out: o, err: e };
}

describe('flash commands on the default simulated rig', () => {
  test('info --json names chip, flash and MAC', async () => {
    const r = await run(['info', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.chipId).toBe('0x7231C');
    expect(j.flashPart).toBe('TH25Q16HB');
    expect(j.mac).toMatch(/^[0-9A-F]{12}$/); // JSON: 12 hex digits, as in records
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

  test('flash --trace: every frame in the file, one per line, from the first link check to the reboot', async () => {
    const img = join(dir, 'traced.bin');
    writeFileSync(img, Buffer.alloc(8 * 1024, 0x5a));
    const trace = join(dir, 'flash.trace');
    const r = await run(['flash', img, '--offset', '0x100000', '--json', '--trace', trace]);
    expect(r.code).toBe(0);
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^# plugrig frame trace, rig sim /);
    const body = lines.slice(1).map((l) => l.slice(11));
    expect(body).toContain('TX    5 LinkCheck 01 e0 fc 01 00');
    expect(body).toContain('RX    8 LinkCheck 04 0e 05 01 e0 fc 01 00');
    expect(body.some((l) => l.startsWith("-- reset 'cen-pulse'"))).toBe(true);
    expect(body).toContain('-- baud 921600');
    // 8 KiB at 0x100000: two 4 KiB programs (8 header + 4 address + 4096 data bytes) and their replies.
    expect(body.filter((l) => l.startsWith('TX 4108 FlashWrite4K 01 e0 fc ff f4 05 10 07 00 '))).toHaveLength(2);
    expect(body.filter((l) => /^RX {3}15 FlashWrite4K 04 0e ff 01 e0 fc f4 06 00 07 00 /.test(l))).toHaveLength(2);
    expect(body.slice(-2)).toEqual(['TX    6 Reboot 01 e0 fc 02 0e a5', 'TX    6 Reboot 01 e0 fc 02 0e a5']);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {0,6}\d+\.\d{3} (TX|RX|--) /);
  });

  test('a link failure names its trace file, or says how to get one', async () => {
    const rigFile = join(dir, 'silent-rig.json');
    const rig = JSON.parse(readFileSync('rigs/sim.json', 'utf8'));
    rig.device = join(process.cwd(), rig.device);
    rig.sim = { timing: 'fast', faults: ['silent'] };
    writeFileSync(rigFile, JSON.stringify(rig));
    const io = { out: new PassThrough(), err: new PassThrough(), signal: new AbortController().signal, cwd: dir, env: {} };
    const trace = join(dir, 'link.trace');
    // Virtual time: six reset cycles and the speed probe cost no real time.
    const traced = await withSession({ values: { rig: rigFile, trace, json: true }, positionals: [] }, io, async () => 0, { clock: new VirtualClock() }).catch(
      (e: unknown) => e,
    );
    expect(traced).toMatchObject({ code: 'E_LINK_NO_REPLY', hint: expect.stringMatching(new RegExp(`; trace: ${trace}$`)) });
    const body = readFileSync(trace, 'utf8')
      .split('\n')
      .map((l) => l.slice(11));
    expect(body.filter((l) => l === 'TX    5 LinkCheck 01 e0 fc 01 00').length).toBeGreaterThan(100);
    expect(body.some((l) => l.startsWith('RX'))).toBe(false);
    const untraced = await withSession({ values: { rig: rigFile, json: true }, positionals: [] }, io, async () => 0, { clock: new VirtualClock() }).catch(
      (e: unknown) => e,
    );
    expect(untraced).toMatchObject({ code: 'E_LINK_NO_REPLY', hint: expect.stringContaining('--trace <file>') });
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
    // The flash is half old, half new: the message says so and how to finish the job.
    expect(r.err).toMatch(/^E_ABORTED: interrupted while writing: the flash now holds a partial image — run 'plugrig flash .*mid\.bin --diff'/m);
  });
});

const ptyDescribe = describeIf(havePython, 'the pty CLI tests: python3 (needed by the simulator pty server) is not installed');

ptyDescribe('flash commands on a bare port (real serial binding, simulated module on a pty)', () => {
  const sim = ptyModuleForSuite({ timing: 'fast', downloadWindowMs: Number.POSITIVE_INFINITY, powered: true, mac: 'C8478CAABBCC' });

  test('flash, verify, tamper, verify fails, backup is named by MAC and hash', async () => {
    const img = join(dir, 'pty.bin');
    const data = generateTestImage({ size: 128 * 1024, seed: 3 });
    writeFileSync(img, data);
    const before = sim.module.flash.read(0, 2 * 1024 * 1024);
    const pre = join(dir, 'pre-flash');
    const f = await run(['flash', img, '--port', sim.pty.path, '--no-reboot', '--backup', '--store', pre]);
    expect(f.err).not.toMatch(/^E_/m);
    expect(f.code).toBe(0);
    // The whole flash as it was before the erase, kept in the store's backups under the MAC.
    const store = BackupStore.open(backupLocation(pre), { create: false });
    try {
      expect((await store.assemble('c8:47:8c:aa:bb:cc')).data.equals(before)).toBe(true);
    } finally {
      store.close();
    }
    expect(sim.module.flash.read(0, data.length).equals(data)).toBe(true);
    expect((await run(['verify', img, '--port', sim.pty.path, '--no-reboot'])).code).toBe(0);
    sim.module.flash.program(0x5000, Buffer.from([0x00]));
    const bad = await run(['verify', img, '--port', sim.pty.path, '--no-reboot']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^E_VERIFY_MISMATCH: .*0x5000/m);
    const bdir = join(dir, 'backups') + '/';
    const b = await run(['backup', bdir, '--port', sim.pty.path, '--length', '0x40000', '--json', '--no-reboot']);
    expect(b.code).toBe(0);
    const file = JSON.parse(b.out).file as string;
    expect(file).toMatch(/C8478CAABBCC_[0-9a-f]{8}\.bin$/);
    expect(readFileSync(file).equals(sim.module.flash.read(0, 0x40000))).toBe(true);
  });

  test('a port held by another program: E_PORT_BUSY', async () => {
    const { SerialPort } = await import('serialport');
    const holder = await new Promise<InstanceType<typeof SerialPort>>((resolve, reject) => {
      const p: InstanceType<typeof SerialPort> = new SerialPort({ path: sim.pty.path, baudRate: 115200, lock: true }, (e) => (e ? reject(e) : resolve(p)));
    });
    try {
      const r = await run(['info', '--port', sim.pty.path]);
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
