/**
 * Test helpers: a simulated module, a serial stream to it, and reset sequences that drive its nets.
 * simRig() makes one VirtualClock for both sides (unless given a clock): the module and the flasher
 * under test share it, so deadlines, listen periods and resets cost no real time.
 */
import { SerialPortStream } from '@serialport/stream';
import { Flasher, type FlasherOptions } from '../../src/bk7231/flasher.js';
import { createSimModule, simBinding, type SimModuleOptions } from '../../src/sim/index.js';
import type { ResetSequence } from '../../src/rig/types.js';
import { realClock, sleep, type Clock } from '../../src/core/clock.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { SimModuleHandle } from '../../src/sim/types.js';
import type { Drive, PadNet } from '../../src/sim/net.js';

/** A reset that drives `net` (the rig's `pin`) to `during` for `ms`, then to `after`, also when aborted. */
function netPulse(name: string, net: PadNet, pin: string, during: Drive, after: Drive, ms: number, clock: Clock): ResetSequence {
  return {
    name,
    text: `${pin}=${during}; wait ${ms}ms; ${pin}=${after}`,
    durationMs: ms,
    async run(signal) {
      net.setHostDrive(during);
      try {
        await sleep(clock, ms, signal, 'reset');
      } finally {
        net.setHostDrive(after);
      }
    },
  };
}

export const cenPulse = (m: SimModuleHandle, lowMs = 100, clock: Clock = realClock): ResetSequence =>
  netPulse('cen-pulse', m.cenNet, 'cen', 0, 'z', lowMs, clock);

export const powerCycle = (m: SimModuleHandle, offMs = 200, clock: Clock = realClock): ResetSequence =>
  netPulse('power-cycle', m.powerNet, 'power', 0, 1, offMs, clock);

export async function openSimPort(path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding: simBinding, path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

/** A powered module on fast timing, its serial port, and both resets, all on `clock` (one VirtualClock by default). */
export async function simRig(options: SimModuleOptions = {}, clock: Clock = new VirtualClock()) {
  const module = createSimModule({ timing: 'fast', ...options, clock });
  module.powerNet.setHostDrive(1);
  const port = await openSimPort(module.uartPath);
  return { module, port, clock, resets: [cenPulse(module, 100, clock), powerCycle(module, 200, clock)] };
}

/**
 * A flasher at 921600 baud on a simRig() (on `clock`), with a short link check; `opts` override.
 * The module and the flasher are closed by `cleanups`, which the caller runs after each test.
 */
export async function simFlasher(
  cleanups: (() => Promise<unknown>)[],
  sim: SimModuleOptions = {},
  opts: Partial<FlasherOptions> = {},
  clock: Clock = new VirtualClock(),
) {
  const rig = await simRig(sim, clock);
  cleanups.push(() => rig.module.close());
  const flasher = await Flasher.connect({
    port: rig.port,
    resets: rig.resets,
    baudRate: 921600,
    link: { cycles: 2, listenMs: 200 },
    clock: rig.clock,
    ...opts,
  });
  cleanups.push(() => flasher.close());
  return { ...rig, flasher };
}
