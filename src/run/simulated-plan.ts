/**
 * Simulated slots for the station, its tests, the operator-page test and the stream benchmark,
 * until the real flash+check plan is wired in. The phases do what a real run does in the same
 * order and emit the same kinds of events, and they take realistic time: flashing costs the wire
 * time of each 4 KiB write frame at the negotiated baud (8N1 = 10 bits a byte) plus its share of a
 * typical 64 KiB SPI NOR block erase (≈250 ms per 16 sectors) and 16 page programs (≈0.7 ms each); the read-back CRC runs at the
 * ≈400 kB/s the ROM manages (docs/bk7231n-download-protocol.md §4.4). It sleeps rather than moving
 * bytes through the simulated module, so it measures the host's orchestration, not the flasher.
 * Faults can be injected per slot: a failing check, a hang, an error.
 */
import { createHash } from 'node:crypto';
import { sleep } from '../core/clock.js';
import { PlugrigError } from '../core/errors.js';
import type { RunFactory, SlotInfo } from './factory.js';
import type { Limits, Phase, PhaseContext } from '../core/run-types.js';

export interface SimSlotFaults {
  /** Name of a check phase ('relay', 'led', 'bl0937') whose measurement comes out of limits. */
  failCheck?: string;
  /** A phase that never returns and ignores its signal (the runner's deadline must end it). */
  hangPhase?: string;
  /** A phase that throws a PlugrigError. */
  errorPhase?: string;
}

export interface SimPlanOptions {
  /** Bytes written in the flash phase; default 1 MiB (an OpenBeken QIO image is ≈ 1 MiB). */
  imageBytes?: number;
  /** Negotiated baud; default 2 000 000. */
  baud?: number;
  /** Multiplies every simulated duration (1 = realistic; tests use ≈0.02). */
  timeScale?: number;
  /** Per-slot faults, asked for each run (so a slot can fail once and pass on retry). */
  faults?: (slot: SlotInfo) => SimSlotFaults | undefined;
}

const SECTOR = 4096;
const WRITE_FRAME_OVERHEAD = 15; // long-frame header + command + address
const WRITE_REPLY_BYTES = 15;
const BLOCK_ERASE_MS = 250; // 64 KiB block erase, typical; flashers erase whole blocks where they can
const SECTORS_PER_BLOCK = 16;
const PAGE_PROGRAM_MS = 0.7;
const CRC_BYTES_PER_SEC = 400_000;

/** Wire + flash time of one 4 KiB sector written at `baud`, in ms. Pure. */
export function sectorWriteMs(baud: number): number {
  const wire = ((SECTOR + WRITE_FRAME_OVERHEAD + WRITE_REPLY_BYTES) * 10 * 1000) / baud;
  return wire + BLOCK_ERASE_MS / SECTORS_PER_BLOCK + (SECTOR / 256) * PAGE_PROGRAM_MS;
}

/** A plan that looks like a real run of one unit, under the simulator's locally administered MAC prefix 02:5A:4D (never a real module's). `unitNo` makes each unit's MAC distinct. */
export function simulatedPlan(slot: SlotInfo, unitNo: number, opts: SimPlanOptions = {}): Phase[] {
  const scale = opts.timeScale ?? 1;
  const baud = opts.baud ?? 2_000_000;
  const imageBytes = opts.imageBytes ?? 1 << 20;
  const faults = opts.faults?.(slot) ?? {};
  const wait = (ms: number, ctx: PhaseContext) => sleep(ctx.clock, ms * scale, ctx.signal, 'simulated wait');
  const slotHash = createHash('sha256').update(slot.slot).digest();
  const mac = `025A4D${((slotHash.readUInt16BE(0) << 8) ^ unitNo).toString(16).toUpperCase().padStart(6, '0').slice(-6)}`;
  const t = (ms: number) => Math.max(200, ms * scale * 20); // deadlines well above the modelled time

  const phase = (name: string, modelMs: number, body: (ctx: PhaseContext) => Promise<void>): Phase => ({
    name,
    timeoutMs: t(modelMs),
    async run(ctx) {
      if (faults.hangPhase === name) await new Promise<never>(() => undefined); // deaf to its signal
      if (faults.errorPhase === name) {
        await wait(modelMs / 2, ctx);
        throw new PlugrigError('E_SIM_INJECTED', `injected error in ${name} on ${slot.slot}`, 'a fault the test asked for');
      }
      await body(ctx);
    },
  });
  const check = (name: string, m: { name: string; good: number | boolean; bad: number | boolean; unit?: string; limits: Limits }) =>
    phase(name, 300, async (ctx) => {
      await wait(300, ctx);
      ctx.measure({ name: m.name, value: faults.failCheck === name ? m.bad : m.good, ...(m.unit ? { unit: m.unit } : {}), limits: m.limits });
    });

  const flashMs = (imageBytes / SECTOR) * sectorWriteMs(baud);
  return [
    phase('power', 50, async (ctx) => {
      await wait(50, ctx);
      ctx.measure({ name: 'supply_v', value: 3.31, unit: 'V', limits: { low: 3.1, high: 3.5 } });
    }),
    phase('link', 200, async (ctx) => {
      await wait(150, ctx); // CEN low 100 ms, link checks until the ROM answers
      ctx.measure({ name: 'link_checks', value: 37, limits: { low: 1, high: 200 } });
      await wait(30, ctx); // set baud, 20 ms delay
      ctx.measure({ name: 'baud', value: baud, limits: { equals: baud } });
    }),
    phase('identify', 20, async (ctx) => {
      await wait(20, ctx);
      ctx.identify({ mac, chipId: '0x7231c', flashId: '1c7015', flashSize: 0x200000 });
      ctx.measure({ name: 'chip_id', value: '0x7231c', limits: { equals: '0x7231c' } });
    }),
    phase('flash', flashMs, async (ctx) => {
      const sectors = Math.ceil(imageBytes / SECTOR);
      const perSector = sectorWriteMs(baud);
      ctx.progress({ done: 0, total: imageBytes, unit: 'bytes', label: 'write' });
      // Sleep in chunks of sectors so timer overhead does not dominate at small scales.
      const chunk = Math.max(1, Math.ceil(4 / Math.max(perSector * scale, 0.001)));
      for (let s = 0; s < sectors; s += chunk) {
        const n = Math.min(chunk, sectors - s);
        await wait(n * perSector, ctx);
        ctx.progress({ done: Math.min(imageBytes, (s + n) * SECTOR), total: imageBytes, unit: 'bytes', label: 'write' });
      }
      ctx.measure({ name: 'bytes_written', value: imageBytes, unit: 'B', limits: { equals: imageBytes } });
    }),
    phase('verify', (imageBytes * 1000) / CRC_BYTES_PER_SEC, async (ctx) => {
      await wait((imageBytes * 1000) / CRC_BYTES_PER_SEC, ctx);
      ctx.measure({ name: 'crc_match', value: true, limits: { equals: true } });
    }),
    phase('boot', 400, async (ctx) => {
      await wait(400, ctx);
      ctx.measure({ name: 'boot_ms', value: 400, unit: 'ms', limits: { low: 0, high: 5000 } });
    }),
    check('relay', { name: 'relay_follows_button', good: true, bad: false, limits: { equals: true } }),
    check('led', { name: 'wifi_led_hz', good: 2, bad: 0, unit: 'Hz', limits: { low: 1.5, high: 2.5 } }),
    check('bl0937', { name: 'power_w', good: 100.2, bad: 87.5, unit: 'W', limits: { low: 95, high: 105 } }),
  ];
}

/** A RunFactory of simulated slots. */
export function simulatedRunFactory(opts: SimPlanOptions = {}): RunFactory {
  const units = new Map<string, number>();
  const imageBytes = opts.imageBytes ?? 1 << 20;
  return async (slot) => {
    const n = (units.get(slot.slot) ?? 0) + 1;
    units.set(slot.slot, n);
    return {
      rig: slot.rig,
      rigKind: 'model',
      plan: simulatedPlan(slot, n, opts),
      firmware: { path: '(simulated image)', sha256: createHash('sha256').update(`sim-image-${imageBytes}`).digest('hex'), size: imageBytes },
    };
  };
}
