/**
 * How long things take on the simulated module. Bytes cost `bitsPerByte` bit times at the speed
 * negotiated on each side (8N1 = start + 8 data + stop = 10 bits). Flash operation times are SPI NOR
 * datasheet typicals, as summarised in docs/bk7231n-download-protocol.md §11.3 (general knowledge, not measured on a CB2S):
 * 4 KiB sector erase 40–100 ms typ, 64 KiB block erase 0.2–0.5 s typ, 256 B page program 0.5–1 ms
 * typ (so 16 pages per 4 KiB), status-register write 5–15 ms, chip erase several seconds.
 * CheckCRC speed is not published. Bounds: bk7231tools budgets ceil(bytes / 400 000) s as its
 * timeout (docs/bk7231n-download-protocol.md §4.4), and BK7231GUIFlashTool's fixed 5 s CheckCRC timeout passes over a whole
 * 2 MiB flash on real modules (its issue #5 log), so the ROM does at least ~420 kB/s. The model
 * takes 1 MB/s, an assumed middle value; `crcBytesPerSec` changes it (the flash benchmark prints
 * what its figures would be at the 420 kB/s bound).
 * `scale` multiplies every flash/CRC time (not the wire), so tests can shrink them uniformly.
 */
export interface TimingModel {
  /** Model wire time at all; false delivers bytes as fast as the event loop allows. */
  wire: boolean;
  bitsPerByte: number;
  sectorEraseMs: number;
  blockEraseMs: number;
  /** 32 KiB erase (opcode 0x52), for completeness. */
  halfBlockEraseMs: number;
  chipEraseMs: number;
  pageProgramMs: number;
  srWriteMs: number;
  crcBytesPerSec: number;
  /** ROM time to handle any command before replying (decode, dispatch). */
  commandOverheadMs: number;
  /** Time from CEN release / power good to the ROM listening on UART1. */
  bootToRomMs: number;
  scale: number;
}

export const REALISTIC_TIMING: Readonly<TimingModel> = Object.freeze({
  wire: true,
  bitsPerByte: 10,
  sectorEraseMs: 45, // low end of 40–100 ms typ (§11.3)
  blockEraseMs: 250, // 0.2–0.5 s typ
  halfBlockEraseMs: 150,
  chipEraseMs: 6000, // "several seconds typ" for 2 MiB
  pageProgramMs: 0.7, // 0.5–1 ms typ per 256 B page
  srWriteMs: 10, // 5–15 ms
  crcBytesPerSec: 1_000_000, // assumed; ≥ 420 kB/s is evidenced (see above)
  commandOverheadMs: 0.05,
  bootToRomMs: 1,
  scale: 1,
});

export const FAST_TIMING: Readonly<TimingModel> = Object.freeze({
  wire: false,
  bitsPerByte: 10,
  sectorEraseMs: 0,
  blockEraseMs: 0,
  halfBlockEraseMs: 0,
  chipEraseMs: 0,
  pageProgramMs: 0,
  srWriteMs: 0,
  crcBytesPerSec: Number.POSITIVE_INFINITY,
  commandOverheadMs: 0,
  bootToRomMs: 0,
  scale: 0,
});

export type TimingChoice = 'realistic' | 'fast' | Partial<TimingModel>;

/** 'realistic', 'fast', or a partial model laid over the realistic one. */
export function resolveTiming(choice: TimingChoice | undefined): TimingModel {
  if (choice === undefined || choice === 'realistic') return { ...REALISTIC_TIMING };
  if (choice === 'fast') return { ...FAST_TIMING };
  return { ...REALISTIC_TIMING, ...choice };
}

/** Wire time of `bytes` at `baud`, in ms. */
export function wireMs(model: TimingModel, bytes: number, baud: number): number {
  return model.wire ? (bytes * model.bitsPerByte * 1000) / baud : 0;
}

/** A flash/CRC duration after scaling. */
export function opMs(model: TimingModel, ms: number): number {
  return Number.isFinite(ms) ? ms * model.scale : 0;
}

export function crcMs(model: TimingModel, bytes: number): number {
  return Number.isFinite(model.crcBytesPerSec) && model.crcBytesPerSec > 0 ? opMs(model, (bytes * 1000) / model.crcBytesPerSec) : 0;
}

/** Programming `bytes` costs one page-program time per 256-byte page touched. */
export function programMs(model: TimingModel, bytes: number): number {
  return opMs(model, Math.ceil(bytes / 256) * model.pageProgramMs);
}
