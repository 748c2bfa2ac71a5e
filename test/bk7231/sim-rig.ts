/** Test helpers: a simulated module, a serial stream to it, and reset sequences that drive its nets. */
import { SerialPortStream } from '@serialport/stream';
import { createSimModule, simBinding, type SimModuleOptions } from '../../src/sim/index.js';
import type { ResetSequence } from '../../src/rig/types.js';
import { AbortedError } from '../../src/core/errors.js';
import type { SimModuleHandle } from '../../src/sim/types.js';

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new AbortedError('reset'));
    }, { once: true });
  });

export function cenPulse(m: SimModuleHandle, lowMs = 100): ResetSequence {
  return {
    name: 'cen-pulse',
    text: `cen=0; wait ${lowMs}ms; cen=z`,
    durationMs: lowMs,
    async run(signal) {
      m.cenNet.setHostDrive(0);
      try {
        await wait(lowMs, signal);
      } finally {
        m.cenNet.setHostDrive('z');
      }
    },
  };
}

export function powerCycle(m: SimModuleHandle, offMs = 200): ResetSequence {
  return {
    name: 'power-cycle',
    text: `power=0; wait ${offMs}ms; power=1`,
    durationMs: offMs,
    async run(signal) {
      m.powerNet.setHostDrive(0);
      try {
        await wait(offMs, signal);
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

export async function simRig(options: SimModuleOptions = {}) {
  const module = createSimModule({ timing: 'fast', ...options });
  module.powerNet.setHostDrive(1);
  const port = await openSimPort(module.uartPath);
  return { module, port, resets: [cenPulse(module), powerCycle(module)] };
}
