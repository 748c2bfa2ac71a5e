/**
 * plugrig run [image] — the whole job for one unit on one rig: link, backup (the first time its MAC
 * is seen), flash, verify, boot, apply the device template, and the fixture checks derived from it.
 * Without an image it flashes a generated OpenBeken-tagged test image (the default job of
 * `npm start`). Every event goes to the durable store first, then to the console and --junit.
 * Exit 0 only on PASS.
 */
import path from 'node:path';
import type { FirmwareImage } from '../../bk7231/image.js';
import { loadDeviceTemplate } from '../../device/cli-support.js';
import { PlugrigError } from '../../core/errors.js';
import { ConsoleSink } from '../../report/console.js';
import { JunitSink } from '../../report/junit.js';
import { openDefaultStore } from '../../report/store/default-store.js';
import { backupLocation } from '../../report/store/backup-store.js';
import { StoreSink } from '../../report/store/store-sink.js';
import { loadRigFile } from '../../rig/config.js';
import { openRig } from '../../rig/open.js';
import type { Sink } from '../../core/run-types.js';
import { openUnitPlan } from '../../run/unit-plan.js';
import { OBK_SIM_FAULTS, openBekenFirmware, type ObkSimFaultSpec } from '../../sim/index.js';
import { baudOption, flag, numberOption, stringList, stringOption } from '../args.js';
import type { Command, CommandIo } from '../command.js';
import { readImageFile } from '../flash-image.js';
import { rigPath } from '../flash-session.js';
import { FLEET_HELP, finishLinks, fleetOptions, startLinks } from '../fleet-option.js';
import { storeDirOption } from '../store-option.js';
import { defaultTestImage } from '../../bk7231/test-image.js';
import { stopClock, VIRTUAL_TIME_HELP } from '../virtual-time.js';
import { exitCodeOf, rigRunOptions, runOnRig } from '../rig-run.js';
import { PLAN_HELP } from '../plan-option.js';
import { PROVISION_HELP } from '../provision-option.js';

async function imageFrom(file: string | undefined, io: CommandIo): Promise<{ image: FirmwareImage; shownPath: string }> {
  if (!file) {
    const d = defaultTestImage();
    return { image: d.data, shownPath: d.shownPath };
  }
  const full = path.resolve(io.cwd, file);
  return { image: await readImageFile(full), shownPath: full };
}

/** The simulated OpenBeken with the fault switches named on the command line. */
function simFirmware(names: string[]) {
  try {
    return openBekenFirmware({ faults: names as ObkSimFaultSpec[] }); // validates the names
  } catch (e) {
    throw new PlugrigError(
      'E_USAGE',
      `--sim-fault: ${(e as Error).message}`,
      `names: ${OBK_SIM_FAULTS.join(', ')} (cal-off:<percent>, http-slow:<ms> take a value)`,
    );
  }
}

export const command: Command = {
  name: 'run',
  summary: 'flash, boot, configure and test one unit',
  usage:
    'plugrig run [image.bin] [--rig rigs/sim.json] [--device <template.json>] [--offset <addr>] [--diff] [--baud <rate>] ' +
    '[--calibrate] [--junit <file>] [--store <dir>|postgres://…] [--mqtt mqtt://…] [--slot <name>] [--sim-fault <name>]... [--plan <file>] [--provision <file>] [--virtual-time] [--json] [--verbose]\n' +
    `  ${VIRTUAL_TIME_HELP}\n  ${PLAN_HELP}\n  ${PROVISION_HELP}\n  ${FLEET_HELP}`,
  options: {
    rig: { type: 'string' },
    device: { type: 'string' },
    offset: { type: 'string' },
    diff: { type: 'boolean' },
    baud: { type: 'string' },
    pipeline: { type: 'string' },
    calibrate: { type: 'boolean' },
    junit: { type: 'string' },
    store: { type: 'string' },
    mqtt: { type: 'string' },
    slot: { type: 'string' },
    'sim-fault': { type: 'string', multiple: true },
    plan: { type: 'string' },
    provision: { type: 'string' },
    'virtual-time': { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  },
  positionals: [0, 1],
  async run(args, io) {
    const json = flag(args, 'json');
    const { image, shownPath } = await imageFrom(args.positionals[0], io);
    const offset = numberOption(args, 'offset', image.defaultOffset, { min: 0, max: 0x1fffff });
    if (offset % 0x1000 !== 0) throw new PlugrigError('E_IMAGE_OFFSET', `--offset 0x${offset.toString(16)} is not 4 KiB aligned`, 'use a multiple of 0x1000');
    const baudRate = baudOption(args);
    const pipelineDepth = numberOption(args, 'pipeline', 1, { min: 1, max: 256 });
    const config = await loadRigFile(rigPath(stringOption(args, 'rig'), io));
    const faults = stringList(args, 'sim-fault');
    if (faults.length && config.kind !== 'sim') {
      throw new PlugrigError('E_USAGE', `--sim-fault needs a simulated rig; ${config.name} is a ${config.kind} rig`, 'use --rig rigs/sim.json');
    }
    const { userPlan, prov, clock } = await rigRunOptions(args, io, config);
    // Faults named here replace any the rig file's sim.firmwareFaults sets.
    const firmware = faults.length ? simFirmware(faults) : undefined;
    const template = await loadDeviceTemplate(stringOption(args, 'device') ?? config.devicePath, io.cwd, (m) => io.err.write(`${m}\n`));
    const storeDir = storeDirOption(args, io);
    const store = await openDefaultStore(storeDir);
    const links = await startLinks(fleetOptions(args, io), store, storeDir, io).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    const view = json ? io.err : io.out;
    const sinks: Sink[] = [new StoreSink(store), new ConsoleSink(view, { verbose: flag(args, 'verbose') })];
    const junit = stringOption(args, 'junit');
    if (junit) sinks.push(new JunitSink(path.resolve(io.cwd, junit)));
    try {
      const rig = await openRig(config, { signal: io.signal, ...(firmware ? { firmware } : {}), ...(clock ? { clock } : {}) });
      const unit = await openUnitPlan({
        rig,
        template,
        image,
        imagePath: shownPath,
        offset,
        backups: backupLocation(storeDir),
        diff: flag(args, 'diff'),
        baudRate,
        pipelineDepth,
        checks: { calibrate: flag(args, 'calibrate'), ...prov.checks },
        signal: io.signal,
      });
      try {
        const plan = userPlan ? userPlan.apply(unit.plan) : unit.plan;
        // The phases are printed once, by the console sink's run line.
        if (!json && userPlan) view.write(`plan ${userPlan.def.name} (${userPlan.record.planFile})\n`);
        const record = await runOnRig(args, io, rig, config, {
          plan,
          ...userPlan?.record,
          firmware: unit.firmware,
          resources: unit.resources,
          sinks,
          ...prov.run,
        });
        if (json) io.out.write(JSON.stringify(record, null, 2) + '\n');
        else if (flag(args, 'verbose')) view.write(`record kept in ${storeDir}\n`);
        return exitCodeOf(record);
      } finally {
        await unit.close();
        await rig.close();
      }
    } finally {
      await finishLinks(links, io);
      await store.close();
      stopClock(clock, io);
    }
  },
};
