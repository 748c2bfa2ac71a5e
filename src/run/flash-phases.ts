/**
 * The flasher's part of a unit's plan as phases: link (and identify), backup (the first time a MAC
 * is seen), flash, verify, boot. They share one session object: the link phase opens the rig's UART
 * and connects the Flasher, the boot phase releases the port and boots the unit through the rig's
 * boot sequence. `close()` releases whatever is still open, whatever happened.
 */
import { PlugrigError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Rig } from '../rig/types.js';
import type { Phase, PhaseContext } from '../core/run-types.js';
import { BackupStore, type BackupLocation } from '../report/store/backup-store.js';
import { chipCrc } from '../bk7231/crc.js';
import { Flasher } from '../bk7231/flasher.js';
import { hex } from '../bk7231/frames.js';
import { checkImageFits, type FirmwareImage } from '../bk7231/image.js';
import { waitForDevice, type DeviceFound } from '../checks/wait-for-device.js';
import type { ProgressFn } from '../bk7231/progress.js';

export interface FlashPhaseOptions {
  rig: Rig;
  image: FirmwareImage;
  offset: number;
  /** Session speed after the link (default 921600). */
  baudRate?: number;
  /** Rewrite only the sectors whose chip CRC differs. */
  diff?: boolean;
  /** Where backups are kept (backupLocation(storeDir)); a unit whose MAC already has one there is not backed up again. */
  backups: BackupLocation;
  /** Requests in flight; 1 (stop-and-wait) unless the chip is known to buffer while busy. */
  pipelineDepth?: number;
  /** How long the booted firmware may take to answer on HTTP. */
  bootTimeoutMs?: number;
  /**
   * The run's abort signal. The flasher session outlives each phase's own signal (which the runner
   * ends with its phase), so the session listens to the run's.
   */
  signal?: AbortSignal;
}

export interface FlashPhases {
  phases: Phase[];
  /** Releases the port (if a phase left it open). Safe to call more than once. */
  close(): Promise<void>;
}

/** What opening a flasher session on a rig takes (shared by the link phase and t.flash). */
export interface OpenFlasherOptions {
  /** Session speed after the link (default 921600). */
  baudRate?: number;
  pipelineDepth?: number;
  /** Aborts the session (every frame, wait and reset of it). */
  signal?: AbortSignal;
  /** Aborts opening the port only. */
  openSignal?: AbortSignal;
  progress?: ProgressFn;
  log?: (line: string) => void;
}

/**
 * The one way into the ROM: frees the UART pads, opens the rig's UART at the ROM's 115200, links
 * through the rig's reset sequences, switches speed and identifies. The caller closes the Flasher.
 */
export async function openFlasher(rig: FlashRig, o: OpenFlasherOptions = {}): Promise<Flasher> {
  await rig.releaseUartPads();
  const openSignal = o.openSignal ?? o.signal;
  const port = await rig.uart.open({ baudRate: 115200, ...(openSignal ? { signal: openSignal } : {}) });
  return Flasher.connect({
    port,
    resets: rig.resets,
    clock: rig.clock,
    baudRate: o.baudRate ?? 921600,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.log ? { log: o.log } : {}),
    pipelineDepth: o.pipelineDepth ?? 1,
  });
}

/** The port released, the unit booted through the rig's boot sequence, its HTTP address awaited (E_DEVICE_NO_URL at the deadline). */
export function bootAndWait(rig: FlashRig, o: { clock?: Clock; timeoutMs: number; signal?: AbortSignal }): Promise<DeviceFound> {
  return waitForDevice(rig, { clock: o.clock ?? rig.clock, boot: 'always', timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
}

/** What of a rig flashing needs. */
export type FlashRig = Pick<Rig, 'name' | 'clock' | 'uart' | 'resets' | 'releaseUartPads' | 'boot' | 'deviceUrl'>;

export function flashPhases(o: FlashPhaseOptions): FlashPhases {
  let flasher: Flasher | undefined;
  const need = (): Flasher => {
    if (!flasher) throw new PlugrigError('E_NO_LINK', 'no link to the chip', 'the link phase must pass first');
    return flasher;
  };
  const release = async () => {
    const f = flasher;
    flasher = undefined;
    await f?.close().catch(() => undefined);
  };
  const progressTo = (ctx: PhaseContext) => (p: { done: number; total: number; bytesPerSec: number; etaMs: number; phase: string }) =>
    ctx.progress({ done: p.done, total: p.total, unit: 'bytes', bytesPerSec: p.bytesPerSec, etaMs: p.etaMs, label: p.phase });

  const link: Phase = {
    name: 'link',
    timeoutMs: 60_000,
    async run(ctx) {
      await release();
      flasher = await openFlasher(o.rig, {
        openSignal: ctx.signal,
        ...(o.baudRate !== undefined ? { baudRate: o.baudRate } : {}),
        ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        progress: progressTo(ctx),
        log: (line) => ctx.log(line),
      });
      const id = flasher.identity;
      ctx.identify({
        chipId: `0x${id.chipId.toString(16).toUpperCase()}`,
        flashId: id.jedec.map((b) => hex(b, 2)).join(''),
        flashSize: id.flashSize,
        ...(id.mac ? { mac: id.mac } : {}),
      });
      ctx.measure({ name: 'chip_id', value: `0x${id.chipId.toString(16).toUpperCase()}`, limits: { equals: '0x7231C' } });
      ctx.measure({ name: 'flash_size', value: id.flashSize, unit: 'B', limits: { low: o.offset + o.image.data.length } });
      ctx.measure({
        name: 'mac_present',
        value: id.mac !== undefined,
        limits: { equals: true },
        note: id.mac ? undefined : 'no MAC record in the TLV sector at 0x1D0000',
      });
      ctx.measure({ name: 'link_cycles', value: flasher.link.cycles });
      checkImageFits(o.image, o.offset, id.flashSize);
    },
  };

  const backup: Phase = {
    name: 'backup',
    timeoutMs: 10 * 60_000,
    async run(ctx) {
      const f = need();
      const mac = f.identity.mac;
      if (!mac) {
        throw new PlugrigError('E_BACKUP_NO_MAC', 'the unit has no MAC record: its backup could not be indexed', 'keep it by hand with plugrig backup <file>');
      }
      const store = BackupStore.open(o.backups);
      try {
        if (store.has(mac)) ctx.skip(`a backup of ${mac} is already kept (plugrig restore ${mac})`);
        const data = await f.read(0, f.identity.flashSize);
        // Every sector was CRC-checked as it was read; one more whole-flash CRC proves nothing moved.
        const chip = await f.chip.crc(0, data.length);
        ctx.measure({ name: 'backup_crc_match', value: chip === chipCrc(data), limits: { equals: true }, note: `chip 0x${hex(chip, 8)}` });
        if (chip !== chipCrc(data)) return;
        // Rejects unless every sector is on disk and read back by hash: the phase then ends in
        // ERROR and the flash phase, the first to erase, never runs.
        const kept = await store.keep(data, { mac, takenAt: ctx.clock.wallNow(), crc: chip });
        ctx.measure({ name: 'backup_sectors_new', value: kept.sectorsWritten, note: `${kept.sectorsShared} shared, ${kept.sectorsBlank} blank` });
        ctx.artifact('backup', `${o.backups.db}#${mac}`, kept.manifest.sha256);
        ctx.log(`backup of ${mac} kept: ${kept.sectorsWritten} new sectors, ${kept.sectorsShared} shared, ${kept.sectorsBlank} blank (plugrig restore ${mac})`);
      } finally {
        store.close();
      }
    },
  };

  const flash: Phase = {
    name: 'flash',
    timeoutMs: 15 * 60_000,
    async run(ctx) {
      const f = need();
      const t0 = ctx.clock.now();
      const r = await f.write(o.image.data, { offset: o.offset, diff: o.diff ?? false, reboot: false });
      const s = Math.max(1e-3, (ctx.clock.now() - t0) / 1000);
      ctx.measure({ name: 'sectors_written', value: r.written });
      ctx.measure({ name: 'sectors_unchanged', value: r.skipped });
      ctx.measure({ name: 'sectors_repaired', value: r.repaired.length });
      ctx.measure({ name: 'write_seconds', value: Number(s.toFixed(2)), unit: 's' });
      ctx.measure({ name: 'write_rate', value: Math.round(o.image.data.length / s), unit: 'B/s' });
    },
  };

  const verify: Phase = {
    name: 'verify',
    timeoutMs: 5 * 60_000,
    async run(ctx) {
      const f = need();
      const r = await f.verify(o.image.data, o.offset);
      ctx.measure({
        name: 'image_crc_match',
        value: r.equal,
        limits: { equals: true },
        note: r.equal
          ? `0x${hex(chipCrc(o.image.data), 8)} over 0x${hex(o.offset)}+0x${hex(o.image.data.length)}`
          : `sectors differ: ${r.differing.map((a) => `0x${hex(a)}`).join(', ')}`,
      });
    },
  };

  const boot: Phase = {
    name: 'boot',
    timeoutMs: (o.bootTimeoutMs ?? 20_000) + 10_000,
    async run(ctx) {
      await release();
      const limit = o.bootTimeoutMs ?? 20_000;
      let found: DeviceFound | undefined;
      try {
        found = await bootAndWait(o.rig, { clock: ctx.clock, timeoutMs: limit, signal: ctx.signal });
      } catch (e) {
        if ((e as PlugrigError).code !== 'E_DEVICE_NO_URL') throw e;
      }
      ctx.measure({
        name: 'boot_to_http',
        value: found ? Math.round(found.waitedMs) : null,
        unit: 'ms',
        limits: { low: 0, high: limit },
        note: found ? found.url : 'the firmware never served HTTP: it did not boot, or the image is not OpenBeken',
      });
    },
  };

  return { phases: [link, backup, flash, verify, boot], close: release };
}
