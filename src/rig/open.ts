/**
 * Opens a validated rig: chooses the backends once (the simulated module's nets, or onoff + kernel
 * PWM + the OS serial binding on a Pi) and assembles the same Rig from either. A failure or an
 * abort while opening releases whatever was already opened; an abort after opening closes the rig.
 */
import path from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { realClock, type Clock } from '../core/clock.js';
import { AbortedError, PlugrigError } from '../core/errors.js';
import { OnoffBackend, type OnoffBackendOptions } from '../io/onoff-lines.js';
import { createSerialOpener } from '../io/serial.js';
import { openSysfsPwm } from '../io/sysfs-pwm.js';
import type { SysfsAccess } from '../io/sysfs-access.js';
import type { OutputLine } from '../io/types.js';
import { createSimModule, openBekenFirmware, simBinding, type ObkSimFaultSpec } from '../sim/index.js';
import { simInputLine, simOutputLine, simPulseOutput } from '../sim/lines.js';
import type { FirmwareFactory, SimModuleHandle } from '../sim/types.js';
import { assembleRig, type OpenedLines, type OpenRig } from './assemble.js';
import { rigDataDir } from './data-dir.js';
import type { BootGuard } from './boot-guard.js';
import type { RigConfig } from './config-types.js';
import type { FixtureLine } from './types.js';

export interface OpenRigOptions {
  /** Sim rigs: use this module instead of creating one (the caller keeps owning it). */
  simulator?: SimModuleHandle;
  signal?: AbortSignal;
  /** Pi rigs: where GPIO and PWM sysfs live (tests point them at fake kernels). */
  gpio?: OnoffBackendOptions;
  pwm?: { root?: string; fs?: SysfsAccess };
  bootGuard?: BootGuard;
  /** Sim rigs: the firmware a module created here boots from flash (e.g. the simulated OpenBeken). */
  firmware?: FirmwareFactory;
  /**
   * The rig's time source (Rig.clock): reset sequences, the boot guard, edge timestamps, PWM and
   * serial watchdogs, and a simulated module created here. Default realClock; tests pass one
   * VirtualClock (and give the same one to a simulator they create themselves).
   */
  clock?: Clock;
  /** Sim rigs: where a relative sim.flashFile lives. Default $PLUGRIG_HOME, else ~/.local/share/plugrig. */
  dataDir?: string;
}

type Named = FixtureLine & { name: string };

export async function openRig(config: RigConfig, opts: OpenRigOptions = {}): Promise<OpenRig> {
  if (opts.signal?.aborted) throw new AbortedError(`opening rig ${config.name}`);
  const clock = opts.clock ?? realClock;
  const lines = config.kind === 'sim' ? await openSimLines(config, opts, clock) : await openPiLines(config, opts, clock);
  const rig = assembleRig(config, lines, { guard: opts.bootGuard, signal: opts.signal, clock });
  return rig;
}

async function openSimLines(config: RigConfig, opts: OpenRigOptions, clock: Clock): Promise<OpenedLines> {
  const owned = !opts.simulator;
  const sim = config.sim ?? {};
  const flashFile = sim.flashFile === undefined ? undefined : path.resolve(opts.dataDir ?? rigDataDir(), sim.flashFile);
  const module: SimModuleHandle = opts.simulator ?? createSimModule({ ...sim, flashFile, clock });
  if (owned) {
    const firmware = opts.firmware ?? openBekenFirmware({ faults: (config.sim?.firmwareFaults ?? []) as ObkSimFaultSpec[] });
    if (firmware) module.setFirmware(firmware);
  }
  const fixture = new Map<number, Named>();
  for (const f of config.fixture) {
    const net = module.pads.get(f.pad);
    if (!net) {
      if (owned) await module.close();
      throw new PlugrigError(
        'E_RIG_INVALID',
        `${config.source}: fixture.${f.name}.pad: the simulated module has no pad P${f.pad}`,
        `simulated pads: ${[...module.pads.keys()].map((p) => `P${p}`).join(', ')}`,
      );
    }
    if (f.kind === 'input') fixture.set(f.pad, { kind: 'input', pad: f.pad, name: f.name, line: simInputLine(f.name, net) });
    else if (f.kind === 'pwm') fixture.set(f.pad, { kind: 'pulse', pad: f.pad, name: f.name, line: simPulseOutput(f.name, net, { clockHz: f.pwm?.clockHz }) });
    else
      fixture.set(f.pad, { kind: 'output', pad: f.pad, name: f.name, line: simOutputLine(f.name, net, f.kind === 'open-drain' ? 'open-drain' : 'push-pull') });
  }
  return {
    power: simOutputLine('power', module.powerNet, 'push-pull'),
    cen: simOutputLine('cen', module.cenNet, 'open-drain'),
    fixture,
    uart: createSerialOpener({ path: config.uart.path || module.uartPath, binding: simBinding, watchdog: false }),
    // UART2 (TX2, pad P0): the simulated firmware's log, a second port of the same module
    logUart: config.logUart && createSerialOpener({ path: module.logUartPath, binding: simBinding, watchdog: false }),
    deviceUrl: () => config.deviceUrl ?? module.httpUrl(),
    closeBackend: async () => {
      if (owned) await module.close();
    },
  };
}

async function openPiLines(config: RigConfig, opts: OpenRigOptions, clock: Clock): Promise<OpenedLines> {
  const gpio = await OnoffBackend.create({ ...opts.gpio, clock });
  const pulses: { close(): Promise<void> }[] = [];
  const abortCheck = () => {
    if (opts.signal?.aborted) throw new AbortedError(`opening rig ${config.name}`);
  };
  try {
    const control = (c: RigConfig['power']): OutputLine | undefined =>
      c && gpio.openOutput({ name: c.name, bcm: c.bcm!, activeLevel: c.activeLevel, drive: c.drive });
    const power = control(config.power);
    const cen = control(config.cen);
    const fixture = new Map<number, Named>();
    for (const f of config.fixture) {
      abortCheck();
      if (f.kind === 'input') {
        fixture.set(f.pad, { kind: 'input', pad: f.pad, name: f.name, line: gpio.openInput({ name: f.name, bcm: f.bcm!, activeLevel: f.activeLevel }) });
      } else if (f.kind === 'pwm') {
        const p = await openSysfsPwm(
          { name: f.name, chipDevice: f.pwm!.chipDevice!, channel: f.pwm!.channel!, clockHz: f.pwm!.clockHz! },
          { pwmRoot: opts.pwm?.root, fs: opts.pwm?.fs, signal: opts.signal, clock },
        );
        pulses.push(p);
        fixture.set(f.pad, { kind: 'pulse', pad: f.pad, name: f.name, line: p });
      } else {
        const line = gpio.openOutput({ name: f.name, bcm: f.bcm!, activeLevel: f.activeLevel, drive: f.kind === 'open-drain' ? 'open-drain' : 'push-pull' });
        fixture.set(f.pad, { kind: 'output', pad: f.pad, name: f.name, line });
      }
    }
    abortCheck();
    const binding = autoDetect();
    return {
      power,
      cen,
      fixture,
      uart: createSerialOpener({ path: config.uart.path, binding, watchdog: { clock } }),
      logUart: config.logUart && createSerialOpener({ path: config.logUart.path, binding, watchdog: { clock } }),
      deviceUrl: () => config.deviceUrl,
      closeBackend: () => gpio.closeAll(),
    };
  } catch (e) {
    await Promise.allSettled(pulses.map((p) => p.close()));
    await gpio.closeAll();
    throw e;
  }
}
