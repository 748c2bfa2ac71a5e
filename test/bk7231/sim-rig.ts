/**
 * Test helpers: a simulated module, a serial stream to it, and reset sequences that drive its nets.
 * simRig() makes one VirtualClock for both sides (unless given a clock): the module and the flasher
 * under test share it, so deadlines, listen periods and resets cost no real time.
 */
import { SerialPortStream } from '@serialport/stream';
import { createSimModule, simBinding, type SimModuleOptions } from '../../src/sim/index.js';
import type { ResetSequence } from '../../src/rig/types.js';
import { realClock, sleep, type Clock } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { SimModuleHandle } from '../../src/sim/types.js';

export function cenPulse(m: SimModuleHandle, lowMs = 100, clock: Clock = realClock): ResetSequence {
  return {
    name: 'cen-pulse',
    text: `cen=0; wait ${lowMs}ms; cen=z`,
    durationMs: lowMs,
    async run(signal) {
      m.cenNet.setHostDrive(0);
      try {
        await sleep(clock, lowMs, signal, 'reset');
      } finally {
        m.cenNet.setHostDrive('z');
      }
    },
  };
}

export function powerCycle(m: SimModuleHandle, offMs = 200, clock: Clock = realClock): ResetSequence {
  return {
    name: 'power-cycle',
    text: `power=0; wait ${offMs}ms; power=1`,
    durationMs: offMs,
    async run(signal) {
      m.powerNet.setHostDrive(0);
      try {
        await sleep(clock, offMs, signal, 'reset');
      } finally {
        m.powerNet.setHostDrive(1);
      }
    },
  };
}

export async function openSimPort(path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding: simBinding, path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

/**
 * The clock the host side must use with `module`: the one the module was given, once the module runs
 * on it (it then exposes it as `module.clock`); real time for a module that keeps its own (the
 * simulator before it took a clock), so these tests pass on either.
 */
export function hostClockFor(module: object, given: Clock): Clock {
  return (module as { clock?: unknown }).clock === given ? given : realClock;
}

export async function simRig(options: SimModuleOptions = {}, given: Clock = new VirtualClock()) {
  const module = createSimModule({ timing: 'fast', ...options, clock: given });
  const clock = hostClockFor(module, given);
  module.powerNet.setHostDrive(1);
  const port = await openSimPort(module.uartPath);
  return { module, port, clock, resets: [cenPulse(module, 100, clock), powerCycle(module, 200, clock)] };
}
