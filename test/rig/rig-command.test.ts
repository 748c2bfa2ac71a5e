/** `plugrig rig check` through the CLI entry, against fake /sys/class trees via PLUGRIG_SYSFS_ROOT. */
import { describe, test, expect, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fakeSysClass(chips: { name: string; base: number; ngpio: number; label: string }[], pwmDevice?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'plugrig-sysclass-'));
  dirs.push(root);
  for (const c of chips) {
    mkdirSync(join(root, 'gpio', c.name), { recursive: true });
    writeFileSync(join(root, 'gpio', c.name, 'base'), `${c.base}\n`);
    writeFileSync(join(root, 'gpio', c.name, 'ngpio'), `${c.ngpio}\n`);
    writeFileSync(join(root, 'gpio', c.name, 'label'), `${c.label}\n`);
  }
  if (pwmDevice) {
    const dev = join(root, 'devices', pwmDevice);
    mkdirSync(dev, { recursive: true });
    mkdirSync(join(root, 'pwm', 'pwmchip2'), { recursive: true });
    symlinkSync(dev, join(root, 'pwm', 'pwmchip2', 'device'));
    writeFileSync(join(root, 'pwm', 'pwmchip2', 'npwm'), '4\n');
  }
  return root;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(argv, {
    out: sink((s) => (out += s)),
    err: sink((s) => (err += s)),
    env,
    cwd: PACKAGE_ROOT,
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

describe('plugrig rig check', () => {
  test('resolves the Pi 5 rig on a 6.12 tree: sysfs numbers from base 569, PWM chip by device', async () => {
    const root = fakeSysClass(
      [
        { name: 'gpiochip512', base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
        { name: 'gpiochip569', base: 569, ngpio: 54, label: 'pinctrl-rp1' },
      ],
      '1f00098000.pwm',
    );
    const r = await run(['rig', 'check', 'rigs/pi5-rmc021.json'], { PLUGRIG_SYSFS_ROOT: root });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cen\s+-\s+open-drain\s+27\s+13\s+596\s+gpiochip569 \(pinctrl-rp1\)\s+out-low \/ in$/m);
    expect(r.out).toMatch(/^cf\s+P7\s+pwm\s+18\s+12\s+587\s+.*pwmchip2\/pwm2, 0\.020 Hz step at 1 kHz$/m);
  });

  test('--json gives the same facts for machines', async () => {
    const root = fakeSysClass([{ name: 'gpiochip512', base: 512, ngpio: 58, label: 'pinctrl-bcm2711' }], 'fe20c000.pwm');
    const r = await run(['rig', 'check', 'rigs/pi4-rmc021.json', '--json'], { PLUGRIG_SYSFS_ROOT: root });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.lines.find((l: { name: string }) => l.name === 'button')).toMatchObject({ bcm: 22, headerPin: 15, sysfs: 534, direction: 'out-low / in' });
    expect(j.rig.sequences['cen-pulse']).toBe('cen=0; wait 120ms; cen=1');
    expect(j.problems).toEqual([]);
  });

  test('a host without sysfs GPIO: the table is shown, then E_GPIO_UNAVAILABLE with a hint, exit 1', async () => {
    const root = fakeSysClass([]);
    const r = await run(['rig', 'check', 'rigs/pi4-rmc021.json'], { PLUGRIG_SYSFS_ROOT: join(root, 'nothing') });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^relay\s+P26\s+input\s+23\s+16\s+\?/m);
    expect(r.err).toMatch(/E_GPIO_UNAVAILABLE: .*gpio is not there.*— run on a Raspberry Pi/);
  });

  test('a broken rig file fails with E_RIG_INVALID and the JSON path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugrig-badrig-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ kind: 'sim', fixture: { relay: { pad: 26, kind: 'output' } } }));
    const r = await run(['rig', 'check', join(dir, 'bad.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_RIG_INVALID: .*bad\.json: fixture\.relay\.kind: P26 is a Rel output/);
  });

  test('--exercise on the sim rig toggles outputs and reads inputs once', async () => {
    const r = await run(['rig', 'check', 'rigs/sim.json', '--exercise']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok {3}button {5}set 0 → reads 0, set 1 → reads 1, released/);
    expect(r.out).toMatch(/ok {3}cen {8}pulsed/);
  });

  test('--exercise refuses a fake tree on a Pi rig', async () => {
    const r = await run(['rig', 'check', 'rigs/pi4-rmc021.json', '--exercise'], { PLUGRIG_SYSFS_ROOT: '/tmp' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_USAGE: --exercise drives real pins/);
  });

  test('unknown subcommands are usage errors', async () => {
    const r = await run(['rig', 'show', 'rigs/sim.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown subcommand 'show'/);
  });
});
