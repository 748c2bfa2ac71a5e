/**
 * The simulated module's public API. Everything outside src/sim/ goes through this file and types.ts.
 */
import { registerModule, SimModule, type SimModuleOptions } from './module.js';

export { SimModule, EARLY_RESET_UPTIME_MS, CB2S_PADS, type SimModuleOptions } from './module.js';
export { parseSimOptions } from './options.js';
export { simBinding, SimPort } from './binding.js';
export { realSimClock, type SimClock } from './clock.js';
export { startPtyServer, type PtyServer, type PtyServerOptions } from './pty.js';
export { parseFault, parseFaults, FAULT_NAMES, type SimFaults } from './faults.js';
export { REALISTIC_TIMING, FAST_TIMING, resolveTiming, type TimingModel, type TimingChoice } from './timing.js';
export { TLV_SECTOR, APP_START, macFromTlvSector } from './factory-image.js';
export type { ProtectionModel } from './flash-model.js';
export {
  openBekenFirmware,
  OBK_SIM_FAULTS,
  parseObkSimFaults,
  type OpenBekenSimOptions,
  type ObkSimFaultSpec,
} from './firmware/index.js';

/** Creates a module, powered off unless `powered`, registered with simBinding under its uartPath. */
export function createSimModule(options: SimModuleOptions = {}): SimModule {
  const m = new SimModule(options);
  try {
    registerModule(m);
  } catch (e) {
    void m.close();
    throw e;
  }
  return m;
}
