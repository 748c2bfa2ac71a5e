/**
 * plugrig flash <image> — unprotect, write (optionally only the sectors that differ), verify by
 * CRC, reboot. With --backup the whole flash is first kept in the store's backups (by sector
 * content, indexed by MAC; skipped when the MAC already has one), verified, before anything is
 * erased. Exit 0 only when the flash verified. The write is recorded like a run.
 */
import { hex } from '../../bk7231/frames.js';
import { AbortedError, PlugrigError } from '../../core/errors.js';
import type { Phase } from '../../core/run-types.js';
import { openDefaultStore } from '../../report/store/default-store.js';
import { StoreSink } from '../../report/store/store-sink.js';
import { runPlan } from '../../run/runner.js';
import { flag, stringOption } from '../args.js';
import { describeKept, keepInStore, type KeptBackup } from '../backup-keep.js';
import { storeDirOption } from '../store-option.js';
import type { Command } from '../command.js';
import { checkImageFits, loadImage } from '../flash-image.js';
import { SESSION_OPTIONS, SESSION_USAGE, formatMac, stopwatch, withSession, writeOutcome } from '../flash-session.js';

/**
 * Once erasing has begun, a stopped write leaves the flash holding part of the old image and part
 * of the new: the module will not boot. The message says so and how to finish the job.
 */
function partialImageError(e: unknown, imageArg: string, backup: string | undefined): unknown {
  const code = (e as { code?: string })?.code;
  const aborted = code === 'E_ABORTED';
  const fix = `run 'plugrig flash ${imageArg} --diff' with the same options to finish it (only the sectors that differ are written)`;
  const restore = backup ? `, or ${backup} to go back` : '';
  return new PlugrigError(
    aborted ? 'E_ABORTED' : (code ?? 'E_FLASH_PARTIAL'),
    `${aborted ? 'interrupted while writing' : `write failed: ${(e as Error)?.message ?? String(e)}`}: the flash now holds a partial image`,
    [aborted ? '' : ((e as { hint?: string })?.hint ?? ''), `${fix}${restore}`].filter(Boolean).join('; '),
    { cause: e },
  );
}

export const command: Command = {
  name: 'flash',
  summary: 'write an image and verify it by CRC',
  usage: `plugrig flash <image.bin> ${SESSION_USAGE} [--offset <addr>] [--diff] [--no-reboot] [--backup] [--store <dir>] [--slot <name>]  (--backup: keep the flash in the store first; plugrig restore <MAC> writes it back)`,
  options: {
    ...SESSION_OPTIONS,
    offset: { type: 'string' },
    diff: { type: 'boolean' },
    'no-reboot': { type: 'boolean' },
    backup: { type: 'boolean' },
    store: { type: 'string' },
    slot: { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const { image, offset } = await loadImage(args, io);
    const keepBackup = flag(args, 'backup');
    const storeDir = storeDirOption(args, io);
    return withSession(args, io, async (s) => {
      const id = s.flasher.identity;
      checkImageFits(image, offset, id.flashSize);
      const elapsed = stopwatch(s.flasher.clock);
      let backup: KeptBackup | undefined;
      let r: Awaited<ReturnType<typeof s.flasher.write>> | undefined;
      let failed: unknown;
      // The write is one recorded phase, so `records --mac` shows a unit's flashes beside its runs.
      const phase: Phase = {
        name: 'flash',
        // Every frame has its own deadline; this bound is only for the whole, at the ROM's slowest speed.
        timeoutMs: 120_000 + Math.ceil(((image.data.length + (keepBackup ? id.flashSize : 0)) / 11_520) * 3000),
        async run(ctx) {
          ctx.identify({
            ...(id.mac ? { mac: id.mac } : {}),
            chipId: `0x${hex(id.chipId)}`,
            flashId: id.jedec.map((b) => hex(b, 2)).join(''),
            flashSize: id.flashSize,
          });
          try {
            if (keepBackup) {
              // Rejects unless the backup is verified on disk: then nothing below erases anything.
              backup = await keepInStore(s.flasher, storeDir, s.flasher.clock);
              ctx.artifact('backup', backup.where);
              s.log(describeKept(backup));
            }
            try {
              r = await s.flasher.write(image.data, { offset, diff: flag(args, 'diff'), reboot: !flag(args, 'no-reboot') });
            } catch (e) {
              throw partialImageError(e, args.positionals[0]!, backup ? `plugrig restore ${formatMac(backup.mac)}` : undefined);
            }
          } catch (e) {
            failed = e;
            throw e;
          }
          ctx.measure({ name: 'crc_match', value: true, limits: { equals: true }, note: `CRC 0x${hex(r.crc, 8)}` });
          ctx.measure({ name: 'sectors_written', value: r.written });
        },
      };
      const store = await openDefaultStore(storeDir);
      try {
        await runPlan({
          slot: stringOption(args, 'slot') ?? s.rigName,
          rig: s.rigName,
          plan: [phase],
          firmware: { path: image.name, sha256: image.sha256, size: image.data.length },
          sinks: [new StoreSink(store)],
          signal: io.signal,
          clock: s.flasher.clock,
        });
      } finally {
        await store.close();
      }
      if (failed !== undefined) throw failed;
      if (!r) {
        // The phase never ran to its end (stopped before it began, or its deadline): nothing says the flash is whole.
        throw partialImageError(
          io.signal.aborted ? new AbortedError('flash') : new PlugrigError('E_FLASH_TIMEOUT', 'the write did not finish in time'),
          args.positionals[0]!,
          backup ? `plugrig restore ${formatMac(backup.mac)}` : undefined,
        );
      }
      const secs = elapsed();
      const summary = {
        image: image.name,
        sha256: image.sha256,
        kind: image.kind,
        offset: `0x${hex(offset)}`,
        bytes: image.data.length,
        mac: id.mac ?? null, // 12 hex digits in JSON, as in records
        flash: `${id.part?.name ?? 'unknown'} ${id.flashSize / 1024} KiB`,
        sectorsWritten: r.written,
        sectorsSkipped: r.skipped,
        sectorsRepaired: r.repaired.length,
        crc: `0x${hex(r.crc, 8)}`,
        verified: true,
        rebooted: !flag(args, 'no-reboot'),
        backup: backup?.where ?? null,
        seconds: Number(secs.toFixed(2)),
      };
      const text =
        `flashed ${image.name} at 0x${hex(offset)} on ${formatMac(id.mac)}: ${summary.sectorsWritten} sectors written, ${summary.sectorsSkipped} unchanged` +
        `${summary.sectorsRepaired ? `, ${summary.sectorsRepaired} repaired` : ''}; CRC ${summary.crc} verified in ${secs.toFixed(1)} s\n`;
      writeOutcome(s, io, summary, text);
      return 0;
    });
  },
};
