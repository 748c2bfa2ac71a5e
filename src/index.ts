/**
 * plugrig's public API (`import … from 'plugrig'`): the run model a plan is written against, the
 * clock every wait goes through, and the typed error. Everything else is internal and may change.
 */
export type {
  ErrorInfo,
  EventBase,
  FirmwareInfo,
  Limits,
  MeasuredValue,
  Measurement,
  MeasurementInput,
  Phase,
  PhaseContext,
  PhaseOutcome,
  ProgressInfo,
  RunEvent,
  RunEventBody,
  RunEventType,
  RunOutcome,
  Sink,
  SlotInfo,
  UnitIdentity,
  Verdict,
} from './core/run-types.js';
export type { Clock, ClockTimer } from './core/clock.js';
export { realClock, sleep } from './core/clock.js';
export { VirtualClock, type VirtualClockOptions } from './core/virtual-clock.js';
export { PlugrigError } from './core/errors.js';
export { PhaseFailure } from './core/errors.js';
export * from './plan/index.js';
export type {
  BlinkSummary,
  DeviceApi,
  DeviceCallOptions,
  DeviceEnergy,
  DeviceInfo,
  DevicePins,
  FirmwareLog,
  FixtureApi,
  FlashApi,
  FlashImageInfo,
  FlashWriteOptions,
  FlashWriteResult,
  Level,
  LoadPoint,
  LogLine,
  MeterApi,
  MeterConstants,
  MeterSelEdge,
  Pad,
  PadEdge,
  PadWatch,
  PowerApi,
  UnitResources,
} from './core/resources.js';
