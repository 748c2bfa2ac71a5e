/**
 * Rig files: parsing and validation. Every error is E_RIG_INVALID naming the file and the JSON path
 * (e.g. `rigs/pi4.json: fixture.relay.pad: ...`) with a hint for the fix. Beyond shape, it refuses
 * wirings that could hurt: driving a pad the device profile makes a module output, a push-pull
 * driver on a UART pad, one host GPIO or PWM channel bound twice, a reset sequence that touches a
 * UART pad (the button must never be held low across a reset).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve, basename } from 'node:path';
import { PlugrigError } from '../core/errors.js';
import { readJsonFile, readJsonFileSync, type JsonFileKind } from '../core/json-file.js';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { parseSimOptions } from '../sim/index.js';
import type {
  ActiveLevel,
  ControlLineConfig,
  FixtureKind,
  FixtureLineConfig,
  LineDrive,
  PiBoard,
  PwmChannelConfig,
  RigConfig,
  RigKind,
  SequenceConfig,
  UartConfig,
} from './config-types.js';
import { deviceOutputPins, moduleFacts, type ModuleFacts } from './hardware-files.js';
import { BOARDS, defaultPwmChannel, isHeaderUart, PL011_BCM } from './pi-boards.js';
import { checkSequenceLines, parseSequence, type SequenceStep } from './sequence-parse.js';

/** The package root (…/plugrig), where hardware/ and rigs/ live (re-exported for the rig tests). */
export { PACKAGE_ROOT };
export const DEFAULT_DEVICE = 'hardware/devices/rmc021.json';
export const DEFAULT_MODULE = 'hardware/modules/cb2s.json';

export const DEFAULT_SEQUENCES = {
  cenPulse: 'cen=0; wait 120ms; cen=1',
  powerCycleWithCen: 'cen=0; power=0; wait 300ms; power=1; wait 20ms; cen=1',
  powerCycle: 'power=0; wait 300ms; power=1',
};

export interface ValidateOptions {
  /** Reads the device profile and module map (default: from disk). */
  readJson?: (path: string) => unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v);
const key = (parent: string, k: string | number) =>
  typeof k === 'number' ? `${parent}[${k}]` : /^[A-Za-z_]\w*$/.test(k) ? (parent ? `${parent}.${k}` : k) : `${parent}[${show(k)}]`;

class Ctx {
  constructor(readonly source: string) {}
  fail(path: string, what: string, hint: string): never {
    throw new PlugrigError('E_RIG_INVALID', `${this.source}: ${path || '(top level)'}: ${what}`, hint);
  }
  keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(key(path, k), `unknown key ${show(k)}`, `known keys here: ${allowed.join(', ')}`);
    }
  }
  obj(v: unknown, path: string, hint: string): Obj {
    if (!isObj(v)) this.fail(path, `expected an object, got ${show(v)}`, hint);
    return v;
  }
  str(v: unknown, path: string, hint: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, `expected a non-empty string, got ${show(v)}`, hint);
    return v;
  }
  int(v: unknown, path: string, min: number, max: number, hint: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(path, `expected an integer ${min}..${max}, got ${show(v)}`, hint);
    return v;
  }
  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[], fallback?: T): T {
    if (v === undefined && fallback !== undefined) return fallback;
    if (!allowed.includes(v as T))
      this.fail(path, `expected one of ${allowed.map((a) => show(a)).join(', ')}, got ${show(v)}`, `write e.g. ${show(allowed[0])}`);
    return v as T;
  }
}

const RIG_FILE: JsonFileKind = { what: 'rig file', code: 'E_RIG_INVALID', missingHint: 'rig files live in rigs/ (e.g. rigs/sim.json); check the path' };
/** The device profile and module map a rig file names; their errors are wrapped by loadHardware. */
const HARDWARE_FILE: JsonFileKind = { what: 'hardware file', code: 'E_RIG_INVALID', missingHint: '' };

function defaultReadJson(path: string): unknown {
  return readJsonFileSync(path, HARDWARE_FILE);
}

/** Relative paths: against the rig file's folder first, then the package root (so "hardware/…" works anywhere). */
function resolveHardwarePath(p: string, source: string): string {
  if (isAbsolute(p)) return p;
  const besideRig = source.startsWith('(') ? resolve(p) : resolve(dirname(source), p);
  if (existsSync(besideRig)) return besideRig;
  return resolve(PACKAGE_ROOT, p);
}

function loadHardware(ctx: Ctx, path: string, jsonPath: string, read: (p: string) => unknown): unknown {
  try {
    return read(path);
  } catch (e) {
    const hint = `give a path relative to the rig file or to the plugrig folder, e.g. ${show(jsonPath === 'device' ? DEFAULT_DEVICE : DEFAULT_MODULE)}`;
    const errno = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (e as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') ctx.fail(jsonPath, `${path} does not exist`, hint);
    // From readJsonFileSync: the message already names the file (and line:column of a syntax error).
    if (e instanceof PlugrigError) ctx.fail(jsonPath, e.message, e.hint || hint);
    ctx.fail(jsonPath, `cannot read ${path}: ${(e as Error).message}`, hint);
  }
}

const BCM_HINT = 'a BCM GPIO number of the 40-pin header, 2..27 (see hardware/fixture/README.md)';
const STABLE_PATH_HINT = 'use a stable name: /dev/serial/by-path/… (per USB port) or /dev/serial/by-id/…, or /dev/ttyAMA0 for the Pi header UART';

function uartConfig(ctx: Ctx, v: unknown, path: string, kind: RigKind): UartConfig {
  const o = ctx.obj(v, path, 'write e.g. {"path": "/dev/serial/by-path/…", "baud": 115200}');
  ctx.keys(o, path, ['path', 'baud']);
  const baudRate =
    o.baud === undefined ? 115200 : ctx.int(o.baud, key(path, 'baud'), 300, 4_000_000, 'the ROM talks at 115200 first; the flasher raises the speed itself');
  if (kind === 'sim') {
    if (o.path !== undefined)
      ctx.fail(key(path, 'path'), 'a sim rig has no device path', 'remove "path" (the simulated module names its port; use sim.path to choose it)');
    return { path: '', baudRate };
  }
  const p = ctx.str(o.path, key(path, 'path'), STABLE_PATH_HINT);
  if (!p.startsWith('/dev/')) ctx.fail(key(path, 'path'), `${show(p)} is not a device path`, STABLE_PATH_HINT);
  if (/^\/dev\/tty(USB|ACM)\d+$/.test(p))
    ctx.fail(key(path, 'path'), `${p} changes when adapters are re-plugged or enumerate in another order`, STABLE_PATH_HINT);
  return { path: p, baudRate };
}

function controlLine(ctx: Ctx, v: unknown, name: 'power' | 'cen'): ControlLineConfig {
  const defDrive: LineDrive = name === 'cen' ? 'open-drain' : 'push-pull';
  const o = ctx.obj(v, name, `write e.g. {"bcm": ${name === 'cen' ? 27 : 17}, "drive": "${defDrive}"}`);
  ctx.keys(o, name, ['bcm', 'activeLevel', 'drive']);
  return {
    name,
    bcm: ctx.int(o.bcm, key(name, 'bcm'), 0, 27, BCM_HINT),
    activeLevel: ctx.oneOf<ActiveLevel>(o.activeLevel, key(name, 'activeLevel'), ['high', 'low'], 'high'),
    drive: ctx.oneOf<LineDrive>(o.drive, key(name, 'drive'), ['push-pull', 'open-drain'], defDrive),
  };
}

function padNumber(ctx: Ctx, v: unknown, path: string, module: ModuleFacts): number {
  const known = [...module.pads.keys()]
    .sort((a, b) => a - b)
    .map((g) => `P${g}`)
    .join(', ');
  const n = typeof v === 'string' && /^P\d+$/i.test(v) ? Number(v.slice(1)) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) ctx.fail(path, `expected a pad like 10 or "P10", got ${show(v)}`, `pads of ${module.name}: ${known}`);
  if (!module.pads.has(n)) ctx.fail(path, `${module.name} has no pad P${n}`, `pads of ${module.name}: ${known}`);
  return n;
}

function fixtureLine(
  ctx: Ctx,
  name: string,
  v: unknown,
  kind: RigKind,
  board: PiBoard | undefined,
  module: ModuleFacts,
  outputs: Map<number, string>,
  devicePath: string,
): FixtureLineConfig {
  const path = key('fixture', name);
  if (!/^[A-Za-z][\w-]*$/.test(name)) ctx.fail(path, `line name ${show(name)} is not usable in sequences`, 'use letters, digits, - and _ (e.g. "button")');
  if (name === 'power' || name === 'cen') ctx.fail(path, `${show(name)} is reserved for the rig's ${name} line`, 'give the fixture line another name');
  const o = ctx.obj(v, path, 'write e.g. {"pad": 10, "kind": "open-drain", "bcm": 22}');
  ctx.keys(o, path, kind === 'pi' ? ['pad', 'kind', 'bcm', 'activeLevel', 'pwm', 'debounceMs'] : ['pad', 'kind', 'activeLevel', 'pwm', 'debounceMs']);
  const pad = padNumber(ctx, o.pad, key(path, 'pad'), module);
  const lineKind = ctx.oneOf<FixtureKind>(o.kind, key(path, 'kind'), ['output', 'open-drain', 'input', 'pwm']);
  const facts = module.pads.get(pad)!;
  if (lineKind !== 'input') {
    const role = outputs.get(pad);
    if (role)
      ctx.fail(
        key(path, 'kind'),
        `P${pad} is a ${role} output of the module in ${basename(devicePath)}; driving it would fight the module`,
        `make ${name} an "input" (the rig watches P${pad})`,
      );
    if (facts.hostMustNotDrive)
      ctx.fail(key(path, 'kind'), `P${pad} must not be driven: ${facts.hostMustNotDrive}`, `make ${name} an "input" or pick another pad`);
    if (lineKind === 'output' && facts.uart === 'UART1') {
      ctx.fail(
        key(path, 'kind'),
        `P${pad} is ${facts.functions.join('/')} of the flashing UART; a push-pull driver there would fight the UART adapter`,
        'use "open-drain": it pulls low or lets go, and is released while flashing',
      );
    }
  }
  const line: FixtureLineConfig = {
    name,
    pad,
    kind: lineKind,
    activeLevel: ctx.oneOf<ActiveLevel>(o.activeLevel, key(path, 'activeLevel'), ['high', 'low'], 'high'),
  };
  if (o.debounceMs !== undefined) {
    if (lineKind !== 'input') ctx.fail(key(path, 'debounceMs'), 'only inputs are debounced', 'remove "debounceMs" or make the line an "input"');
    line.debounceMs = ctx.int(o.debounceMs, key(path, 'debounceMs'), 0, 1000, 'a debounce in ms, e.g. 5 for a relay contact');
  }
  if (kind === 'pi') line.bcm = ctx.int(o.bcm, key(path, 'bcm'), 0, 27, BCM_HINT);
  if (o.pwm !== undefined && lineKind !== 'pwm') ctx.fail(key(path, 'pwm'), `"pwm" only applies to kind "pwm"`, 'remove "pwm" or set "kind": "pwm"');
  if (lineKind === 'pwm') {
    const pp = key(path, 'pwm');
    const po = o.pwm === undefined ? {} : ctx.obj(o.pwm, pp, 'write e.g. {"channel": 1}');
    if (kind === 'sim') {
      ctx.keys(po, pp, ['clockHz']);
      if (po.clockHz !== undefined) line.pwm = { clockHz: ctx.int(po.clockHz, key(pp, 'clockHz'), 1000, 1_000_000_000, 'e.g. 10000000 to model a Pi 4 PWM') };
    } else {
      ctx.keys(po, pp, ['chipDevice', 'channel', 'clockHz']);
      const def = board ? defaultPwmChannel(board, line.bcm!) : undefined;
      const chipDevice = po.chipDevice === undefined ? def?.chipDevice : ctx.str(po.chipDevice, key(pp, 'chipDevice'), 'e.g. "fe20c000.pwm"');
      const channel = po.channel === undefined ? def?.channel : ctx.int(po.channel, key(pp, 'channel'), 0, 15, 'the pwmK channel number');
      const clockHz =
        po.clockHz === undefined
          ? (def?.clockHz ?? (board ? BOARDS[board].pwmClockHz : undefined))
          : ctx.int(po.clockHz, key(pp, 'clockHz'), 1000, 1_000_000_000, 'the PWM clock in Hz');
      if (chipDevice === undefined || channel === undefined || clockHz === undefined) {
        const pins = board ? Object.keys(BOARDS[board].pwmChannelOfBcm).join(', ') : '12, 13, 18, 19';
        ctx.fail(
          key(path, 'bcm'),
          `GPIO${line.bcm} has no hardware PWM${board ? ` on a ${board}` : ' (and the rig names no "board")'}`,
          `use GPIO ${pins} with dtoverlay=pwm-2chan, or give "pwm": {"chipDevice", "channel", "clockHz"}`,
        );
      }
      line.pwm = { chipDevice, channel, clockHz } satisfies PwmChannelConfig;
    }
  }
  return line;
}

function checkHostLinesUnique(
  ctx: Ctx,
  cfg: { power?: ControlLineConfig; cen?: ControlLineConfig; fixture: FixtureLineConfig[]; uart: UartConfig; logUart?: UartConfig },
): void {
  const owner = new Map<number, string>();
  const claim = (bcm: number | undefined, path: string) => {
    if (bcm === undefined) return;
    const prev = owner.get(bcm);
    if (prev) ctx.fail(path, `GPIO${bcm} is already bound to ${prev}`, 'give every line its own GPIO');
    owner.set(bcm, path);
  };
  if (isHeaderUart(cfg.uart.path) || (cfg.logUart && isHeaderUart(cfg.logUart.path)))
    for (const b of PL011_BCM) owner.set(b, 'the header UART (/dev/ttyAMA0 on GPIO14/15)');
  claim(cfg.power?.bcm, 'power.bcm');
  claim(cfg.cen?.bcm, 'cen.bcm');
  const pads = new Map<number, string>();
  const channels = new Map<string, string>();
  for (const f of cfg.fixture) {
    const path = key('fixture', f.name);
    const prevPad = pads.get(f.pad);
    if (prevPad) ctx.fail(key(path, 'pad'), `P${f.pad} is already bound to ${prevPad}`, 'bind each module pad once');
    pads.set(f.pad, path);
    claim(f.bcm, key(path, 'bcm'));
    if (f.kind === 'pwm' && f.pwm?.chipDevice) {
      const ch = `${f.pwm.chipDevice}/pwm${f.pwm.channel}`;
      const prev = channels.get(ch);
      if (prev)
        ctx.fail(
          key(path, 'bcm'),
          `PWM channel ${ch} is already used by ${prev}`,
          'on a Pi 4, GPIO12/18 share channel 0 and GPIO13/19 channel 1: use one of each',
        );
      channels.set(ch, path);
    }
  }
}

function sequences(
  ctx: Ctx,
  v: unknown,
  lineNames: string[],
  uartPadLines: Map<string, number>,
  hasPower: boolean,
  hasCen: boolean,
): Record<string, SequenceConfig> {
  const out: Record<string, SequenceConfig> = {};
  const add = (name: string, text: unknown, builtIn: boolean, path: string) => {
    if (typeof text !== 'string')
      ctx.fail(
        path,
        `expected a sequence text like "cen=0; wait 120ms; cen=1", got ${show(text)}`,
        "steps are 'line=0|1|z' and 'wait <n>ms', separated by ';'",
      );
    let steps: SequenceStep[];
    try {
      steps = parseSequence(text, name);
      checkSequenceLines(steps, lineNames, name, (line, level) =>
        uartPadLines.has(line) && level !== 'z'
          ? `${line} is on P${uartPadLines.get(line)}, a pad of the flashing UART: it must stay released across resets`
          : undefined,
      );
    } catch (e) {
      if (e instanceof PlugrigError) ctx.fail(path, e.message, e.hint);
      throw e;
    }
    out[name] = { name, text, steps, builtIn };
  };
  if (hasCen) add('cen-pulse', DEFAULT_SEQUENCES.cenPulse, true, 'sequences');
  if (hasPower) add('power-cycle', hasCen ? DEFAULT_SEQUENCES.powerCycleWithCen : DEFAULT_SEQUENCES.powerCycle, true, 'sequences');
  if (v !== undefined) {
    const o = ctx.obj(v, 'sequences', 'write e.g. {"cen-pulse": "cen=0; wait 120ms; cen=1"}');
    for (const [name, text] of Object.entries(o)) {
      if (!/^[A-Za-z][\w-]*$/.test(name)) ctx.fail(key('sequences', name), `sequence name ${show(name)} is not usable`, 'use letters, digits, - and _');
      add(name, text, false, key('sequences', name));
    }
  }
  return out;
}

const touchesReset = (s: SequenceConfig) => s.steps.some((st) => st.kind === 'set' && (st.line === 'cen' || st.line === 'power'));

/** Validates a parsed rig file. `source` is its path (for messages and to resolve relative paths). */
export function validateRig(json: unknown, source: string, opts: ValidateOptions = {}): RigConfig {
  const ctx = new Ctx(source);
  const read = opts.readJson ?? defaultReadJson;
  const top = ctx.obj(json, '', 'a rig file is one JSON object; see rigs/README.md');
  ctx.keys(top, '', [
    'name',
    'description',
    'kind',
    'board',
    'device',
    'module',
    'deviceUrl',
    'uart',
    'logUart',
    'power',
    'cen',
    'fixture',
    'sequences',
    'resets',
    'boot',
    'sim',
    'plan',
    'provision',
  ]);
  const kind = ctx.oneOf<RigKind>(top.kind, 'kind', ['pi', 'sim']);
  const name = top.name === undefined ? basename(source).replace(/\.json$/, '') : ctx.str(top.name, 'name', 'a short name for messages, e.g. "slot1"');
  const description = top.description === undefined ? undefined : ctx.str(top.description, 'description', 'free text');

  let board: PiBoard | undefined;
  if (kind === 'pi') board = ctx.oneOf<PiBoard>(top.board, 'board', ['pi4', 'pi5']);
  else if (top.board !== undefined) ctx.fail('board', 'a sim rig has no board', 'remove "board"');

  const devicePath = resolveHardwarePath(
    top.device === undefined ? DEFAULT_DEVICE : ctx.str(top.device, 'device', `a device profile path, e.g. ${show(DEFAULT_DEVICE)}`),
    source,
  );
  const modulePath = resolveHardwarePath(
    top.module === undefined ? DEFAULT_MODULE : ctx.str(top.module, 'module', `a module pad map path, e.g. ${show(DEFAULT_MODULE)}`),
    source,
  );
  const hardware = <T>(jsonPath: 'device' | 'module', file: string, parse: (json: unknown, source: string) => T): T => {
    const json = loadHardware(ctx, file, jsonPath, read);
    try {
      return parse(json, file);
    } catch (e) {
      if (e instanceof PlugrigError) ctx.fail(jsonPath, e.message, e.hint);
      throw e;
    }
  };
  const outputs = hardware('device', devicePath, deviceOutputPins);
  const module = hardware('module', modulePath, moduleFacts);

  let deviceUrl: string | undefined;
  if (top.deviceUrl !== undefined) {
    const u = ctx.str(top.deviceUrl, 'deviceUrl', 'e.g. "http://192.168.4.1" (the plug\'s own access point)');
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      ok = false;
    }
    if (!ok) ctx.fail('deviceUrl', `${show(u)} is not an http(s) URL`, 'e.g. "http://192.168.4.1" (the plug\'s own access point)');
    deviceUrl = u.replace(/\/+$/, '');
  }

  if (top.uart === undefined && kind === 'pi')
    ctx.fail('uart', 'missing: a pi rig needs its flashing UART', 'add "uart": {"path": "/dev/serial/by-path/…", "baud": 115200}');
  const uart = top.uart === undefined ? { path: '', baudRate: 115200 } : uartConfig(ctx, top.uart, 'uart', kind);
  const logUart = top.logUart === undefined ? undefined : uartConfig(ctx, top.logUart, 'logUart', kind);
  // On a sim rig the log UART is the simulated module's UART2 (`<uart path>:log`): only its baud is given.
  if (logUart && kind === 'pi' && logUart.path === uart.path)
    ctx.fail('logUart.path', 'the log UART is the flashing UART', 'the log comes from the TX2 test pad (P0) on a second adapter');

  let power: ControlLineConfig | undefined;
  let cen: ControlLineConfig | undefined;
  if (kind === 'sim') {
    for (const k of ['power', 'cen'] as const) if (top[k] !== undefined) ctx.fail(k, `a sim rig's ${k} is the simulated module's`, `remove ${show(k)}`);
    power = { name: 'power', activeLevel: 'high', drive: 'push-pull' };
    cen = { name: 'cen', activeLevel: 'high', drive: 'open-drain' };
  } else {
    power = top.power === undefined ? undefined : controlLine(ctx, top.power, 'power');
    cen = top.cen === undefined ? undefined : controlLine(ctx, top.cen, 'cen');
    if (!power && !cen)
      ctx.fail(
        'cen',
        'a rig needs a CEN line, a power line or both to reset the module',
        'add "cen": {"bcm": 27, "drive": "open-drain"} (and "power" for the fallback power cycle)',
      );
  }

  const fixtureObj = top.fixture === undefined ? {} : ctx.obj(top.fixture, 'fixture', 'write e.g. {"button": {"pad": 10, "kind": "open-drain", "bcm": 22}}');
  const fixture = Object.entries(fixtureObj).map(([n, v]) => fixtureLine(ctx, n, v, kind, board, module, outputs, devicePath));
  checkHostLinesUnique(ctx, { power, cen, fixture, uart, logUart });

  const uartPadLines = new Map(fixture.filter((f) => module.uart1Pads.includes(f.pad)).map((f) => [f.name, f.pad] as const));
  const drivable = [
    ...(power ? ['power'] : []),
    ...(cen ? ['cen'] : []),
    ...fixture.filter((f) => f.kind === 'output' || f.kind === 'open-drain').map((f) => f.name),
  ];
  const seqs = sequences(ctx, top.sequences, drivable, uartPadLines, !!power, !!cen);

  const seqHint = `sequences: ${Object.keys(seqs).join(', ')}`;
  let resets: string[];
  if (top.resets === undefined) {
    resets = ['cen-pulse', 'power-cycle'].filter((n) => seqs[n]);
  } else {
    if (!Array.isArray(top.resets) || top.resets.length === 0)
      ctx.fail('resets', `expected a non-empty list of sequence names, got ${show(top.resets)}`, 'e.g. ["cen-pulse", "power-cycle"]');
    resets = (top.resets as unknown[]).map((r, i) => {
      const n = ctx.str(r, key('resets', i), seqHint);
      if (!seqs[n]) ctx.fail(key('resets', i), `no sequence ${show(n)}`, seqHint);
      if (!touchesReset(seqs[n]!))
        ctx.fail(key('resets', i), `sequence ${show(n)} never drives cen or power, so it resets nothing`, 'a reset sequence must pulse cen or cycle power');
      return n;
    });
  }
  const boot = top.boot === undefined ? (seqs['cen-pulse'] ? 'cen-pulse' : 'power-cycle') : ctx.str(top.boot, 'boot', seqHint);
  if (!seqs[boot]) ctx.fail('boot', `no sequence ${show(boot)}`, seqHint);
  if (!touchesReset(seqs[boot]!))
    ctx.fail('boot', `sequence ${show(boot)} never drives cen or power`, 'the boot sequence must reset the module (e.g. "cen-pulse")');

  let sim: RigConfig['sim'];
  if (kind === 'sim') {
    try {
      sim = parseSimOptions(top.sim, 'sim');
    } catch (e) {
      // its message already starts with the JSON path (sim.timing: …)
      if (e instanceof PlugrigError) throw new PlugrigError('E_RIG_INVALID', `${source}: ${e.message}`, e.hint);
      throw e;
    }
  } else if (top.sim !== undefined) ctx.fail('sim', 'only a "kind": "sim" rig has simulator options', 'remove "sim" or set "kind": "sim"');

  const planPath =
    top.plan === undefined
      ? undefined
      : resolve(dirname(resolve(source)), ctx.str(top.plan, 'plan', 'a plan file path relative to the rig file, e.g. "../plans/my-plan.ts"'));

  const provisionPath =
    top.provision === undefined
      ? undefined
      : resolve(
          dirname(resolve(source)),
          ctx.str(top.provision, 'provision', 'a provisioning file path relative to the rig file, e.g. "../line-1.provision.json"'),
        );

  return {
    name,
    source,
    kind,
    ...(planPath ? { planPath } : {}),
    ...(provisionPath ? { provisionPath } : {}),
    board,
    description,
    devicePath,
    modulePath,
    deviceUrl,
    uart,
    logUart,
    power,
    cen,
    fixture,
    sequences: seqs,
    resets,
    boot,
    uartPads: module.uart1Pads,
    sim,
  };
}

/** Reads and validates a rig file. */
export async function loadRigFile(path: string, opts: ValidateOptions = {}): Promise<RigConfig> {
  return validateRig(await readJsonFile(path, RIG_FILE), path, opts);
}
