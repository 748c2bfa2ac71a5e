import { describe, test, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRigFile, validateRig, PACKAGE_ROOT } from '../../src/rig/config.js';
import { PlugrigError } from '../../src/core/errors.js';

const rigPath = (n: string) => resolve(PACKAGE_ROOT, 'rigs', n);
const pi4 = () => JSON.parse(readFileSync(rigPath('pi4-rmc021.json'), 'utf8')) as Record<string, any>;
const tmp = mkdtempSync(join(tmpdir(), 'plugrig-rig-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the shipped rig files', () => {
  test('rigs/sim.json: simulated power and CEN, default sequences, UART pads from the module map', async () => {
    const rig = await loadRigFile(rigPath('sim.json'));
    expect(rig.kind).toBe('sim');
    expect(rig.resets).toEqual(['cen-pulse', 'power-cycle']);
    expect(rig.sequences['cen-pulse']!.text).toBe('cen=0; wait 120ms; cen=1');
    expect(rig.sequences['power-cycle']!.text).toBe('cen=0; power=0; wait 300ms; power=1; wait 20ms; cen=1');
    expect(rig.boot).toBe('cen-pulse');
    expect(rig.uartPads).toEqual([10, 11]);
    expect(rig.devicePath).toBe(resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'));
    expect(rig.sim).toMatchObject({ timing: 'realistic', downloadWindowMs: 150 });
    // the firmware log on the simulated module's UART2 (the rig opens <uartPath>:log)
    expect(rig.logUart).toEqual({ path: '', baudRate: 115200 });
  });

  test("a sim rig's logUart takes only a baud rate", () => {
    const r = JSON.parse(readFileSync(rigPath('sim.json'), 'utf8'));
    r.logUart = { path: '/dev/ttyAMA0', baud: 115200 };
    expect(() => validateRig(r, 'sim.json')).toThrow(/logUart\.path: a sim rig has no device path/);
  });

  test('rigs/pi4-rmc021.json: PWM channels from the board table', async () => {
    const rig = await loadRigFile(rigPath('pi4-rmc021.json'));
    const cf = rig.fixture.find((f) => f.name === 'cf')!;
    expect(cf.pwm).toEqual({ chipDevice: 'fe20c000.pwm', channel: 1, clockHz: 10_000_000 });
    expect(rig.cen).toEqual({ name: 'cen', bcm: 27, activeLevel: 'high', drive: 'open-drain' });
    expect(rig.deviceUrl).toBe('http://192.168.4.1');
  });

  test('rigs/pi5-rmc021.json: RP1 PWM0 channels 2 and 3 for GPIO18/19', async () => {
    const rig = await loadRigFile(rigPath('pi5-rmc021.json'));
    expect(rig.fixture.filter((f) => f.kind === 'pwm').map((f) => [f.bcm, f.pwm?.channel, f.pwm?.chipDevice])).toEqual([
      [18, 2, '1f00098000.pwm'],
      [19, 3, '1f00098000.pwm'],
    ]);
  });
});

type Mutation = (r: Record<string, any>) => void;
const broken: [string, Mutation, RegExp][] = [
  ['a misspelt key', (r) => (r.uartt = r.uart), /: uartt: unknown key "uartt"/],
  ['no kind', (r) => delete r.kind, /: kind: expected one of "pi", "sim", got undefined/],
  ['a pi rig without uart', (r) => delete r.uart, /: uart: missing: a pi rig needs its flashing UART/],
  ['an unstable port name', (r) => (r.uart.path = '/dev/ttyUSB0'), /: uart\.path: \/dev\/ttyUSB0 changes when adapters are re-plugged/],
  ['driving the relay pad', (r) => (r.fixture.relay.kind = 'output'), /: fixture\.relay\.kind: P26 is a Rel output of the module in rmc021\.json/],
  ['driving the SEL pad with PWM', (r) => (r.fixture.sel = { pad: 'P24', kind: 'pwm', bcm: 18 }), /: fixture\.sel\.kind: P24 is a BL0937SEL output/],
  ['push-pull on the RX1 pad', (r) => (r.fixture.button.kind = 'output'), /: fixture\.button\.kind: P10 is RX1 of the flashing UART/],
  ['driving TX1', (r) => (r.fixture.tx = { pad: 11, kind: 'open-drain', bcm: 5 }), /: fixture\.tx\.kind: P11 must not be driven: it is TX1/],
  ['one GPIO twice', (r) => (r.fixture.relay.bcm = 22), /: fixture\.relay\.bcm: GPIO22 is already bound to fixture\.button\.bcm/],
  ['the power GPIO reused', (r) => (r.cen.bcm = 17), /: cen\.bcm: GPIO17 is already bound to power\.bcm/],
  ['the header UART pins reused', (r) => (r.fixture.sel.bcm = 14), /: fixture\.sel\.bcm: GPIO14 is already bound to the header UART/],
  ['one pad twice', (r) => (r.fixture.relay2 = { pad: 26, kind: 'input', bcm: 5 }), /: fixture\.relay2\.pad: P26 is already bound to fixture\.relay/],
  ['a pad the module lacks', (r) => (r.fixture.relay.pad = 9), /: fixture\.relay\.pad: CB2S has no pad P9/],
  ['PWM on a pin without PWM', (r) => (r.fixture.cf.bcm = 5), /: fixture\.cf\.bcm: GPIO5 has no hardware PWM on a pi4/],
  ['two lines on one PWM channel', (r) => (r.fixture.cf.bcm = 18), /: fixture\.cf\.bcm: PWM channel fe20c000\.pwm\/pwm0 is already used by fixture\.cf1/],
  [
    'a sequence naming an unknown line',
    (r) => (r.sequences['cen-pulse'] = 'cen=0; wait 120ms; reset=1'),
    /: sequences\["cen-pulse"\]: sequence cen-pulse: step 3 'reset=1': unknown line 'reset'/,
  ],
  [
    'a wait without unit',
    (r) => (r.sequences['power-cycle'] = 'power=0; wait 300; power=1'),
    /: sequences\["power-cycle"\]: .*step 2 'wait 300': the wait has no unit/,
  ],
  [
    'a reset that holds the button',
    (r) => (r.sequences['cen-pulse'] = 'button=0; cen=0; wait 120ms; cen=1'),
    /step 1 'button=0': button is on P10, a pad of the flashing UART/,
  ],
  ['a reset list naming nothing', (r) => (r.resets = ['cen-pulse', 'hard-reset']), /: resets\[1\]: no sequence "hard-reset"/],
  [
    'a reset that resets nothing',
    (r) => ((r.sequences.wiggle = 'button=z'), (r.resets = ['wiggle'])),
    /: resets\[0\]: sequence "wiggle" never drives cen or power/,
  ],
  ['a missing device profile', (r) => (r.device = 'hardware/devices/nope.json'), /: device: .*nope\.json does not exist/],
  ['a bad device URL', (r) => (r.deviceUrl = '192.168.4.1'), /: deviceUrl: "192\.168\.4\.1" is not an http\(s\) URL/],
  ['a board that is not a Pi we know', (r) => (r.board = 'pi3'), /: board: expected one of "pi4", "pi5", got "pi3"/],
  ['an active level typo', (r) => (r.power.activeLevel = 'hi'), /: power\.activeLevel: expected one of "high", "low", got "hi"/],
];

describe('broken rig files each get their own message with the JSON path', () => {
  test.each(broken)('%s', (_what, mutate, message) => {
    const r = pi4();
    mutate(r);
    let err: unknown;
    try {
      validateRig(r, '/rigs/broken.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlugrigError);
    expect((err as PlugrigError).code).toBe('E_RIG_INVALID');
    expect((err as PlugrigError).message).toMatch(/^\/rigs\/broken\.json: /);
    expect((err as PlugrigError).message).toMatch(message);
    expect((err as PlugrigError).hint.length).toBeGreaterThan(5);
  });

  test('the messages are all different', () => {
    const msgs = broken.map(([, mutate]) => {
      const r = pi4();
      mutate(r);
      try {
        validateRig(r, 'x.json');
        return 'valid';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(new Set(msgs).size).toBe(broken.length);
  });

  test('invalid JSON names the line and column', async () => {
    const f = join(tmp, 'bad.json');
    writeFileSync(f, '{\n  "kind": "sim",\n  "uart": { "baud": 115200, },\n}\n');
    await expect(loadRigFile(f)).rejects.toMatchObject({
      code: 'E_RIG_INVALID',
      message: expect.stringMatching(/bad\.json:3:27: not valid JSON: a comma before "}"/),
    });
  });

  test('a missing file says so', async () => {
    await expect(loadRigFile(join(tmp, 'none.json'))).rejects.toMatchObject({ code: 'E_RIG_INVALID', message: expect.stringContaining('no such rig file') });
  });

  test('bad simulator options are reported with their sim.* path', () => {
    const r = JSON.parse(readFileSync(rigPath('sim.json'), 'utf8'));
    r.sim.timing = 'slow';
    expect(() => validateRig(r, 'sim.json')).toThrow(/^sim\.json: sim\.timing: /);
  });

  test('a sim rig refuses Pi-only fields', () => {
    const r = JSON.parse(readFileSync(rigPath('sim.json'), 'utf8'));
    r.fixture.relay.bcm = 23;
    expect(() => validateRig(r, 'sim.json')).toThrow(/fixture\.relay\.bcm: unknown key "bcm"/);
  });
});
