/**
 * plugrig test [--rig rigs/sim.json] [--device <template>] [--calibrate] [--configure] [--url …]
 * Runs the fixture checks derived from the template and the rig's wiring on the flashed unit.
 * The unit must already run OpenBeken; when the rig knows no device URL yet (a sim rig, a unit
 * not powered), the rig's boot sequence is run once and we wait for the HTTP API to appear.
 */
import { PlugrigError } from '../../core/errors.js';
import path from 'node:path';
import { buildCheckPhases } from '../../checks/plan.js';
import { waitForDevice } from '../../checks/wait-for-device.js';
import { loadDeviceTemplate } from '../../device/cli-support.js';
import { ObkClient } from '../../device/obk-client.js';
import { loadRigFile } from '../../rig/config.js';
import { openRig } from '../../rig/open.js';
import { buildResources } from '../../run/resources/index.js';
import { openRigFirmwareLog, type FirmwareLogCapture } from '../../run/resources/log.js';
import type { Sink } from '../../core/run-types.js';
import { ConsoleSink } from '../../report/console.js';
import { openDefaultStore } from '../../report/store/default-store.js';
import { StoreSink } from '../../report/store/store-sink.js';
import { storeDirOption } from '../store-option.js';
import { flag, numberOption, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { DEVICE_OPTIONS } from '../device-option.js';
import { stopClock, VIRTUAL_TIME_HELP } from '../virtual-time.js';
import { exitCodeOf, rigRunOptions, runOnRig } from '../rig-run.js';
import { PLAN_HELP } from '../plan-option.js';
import { PROVISION_HELP } from '../provision-option.js';

export const command: Command = {
  name: 'test',
  summary: 'run the fixture checks on the flashed unit',
  usage:
    'plugrig test [--rig rigs/sim.json] [--device <template.json>] [--calibrate] [--configure] [--url <http://host>] [--plan <file>] [--provision <file>] [--store <dir>] [--slot <name>] [--virtual-time] [--json] [--verbose]\n' +
    `  ${VIRTUAL_TIME_HELP}\n  ${PLAN_HELP}\n  ${PROVISION_HELP}`,
  options: {
    rig: { type: 'string' },
    device: { type: 'string' },
    ...DEVICE_OPTIONS,
    calibrate: { type: 'boolean' },
    configure: { type: 'boolean' },
    plan: { type: 'string' },
    provision: { type: 'string' },
    store: { type: 'string' },
    slot: { type: 'string' },
    'virtual-time': { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  },
  async run(args, io) {
    const json = flag(args, 'json');
    const view = json ? io.err : io.out;
    const config = await loadRigFile(path.resolve(io.cwd, stringOption(args, 'rig') ?? 'rigs/sim.json'));
    const template = await loadDeviceTemplate(stringOption(args, 'device') ?? config.devicePath, io.cwd, (m) => io.err.write(`${m}\n`));
    const url = stringOption(args, 'url');
    // A simulated rig that keeps no flash starts every command from the Tuya factory image: no
    // OpenBeken would ever answer, so say so now instead of waiting out the device deadline.
    if (config.kind === 'sim' && config.sim?.flashFile === undefined && url === undefined) {
      throw new PlugrigError(
        'E_SIM_NOT_FLASHED',
        `${config.name}: a fresh simulated module holds the factory image, not OpenBeken, so there is nothing to test`,
        'flash it on the rig that keeps its flash: plugrig sim --write-image fw.bin; plugrig flash fw.bin --rig rigs/sim-kept.json; ' +
          'then plugrig test --rig rigs/sim-kept.json (or plugrig run, which flashes and tests in one go)',
      );
    }
    const user = stringOption(args, 'user');
    const password = stringOption(args, 'password');
    const timeoutMs = numberOption(args, 'timeout', 4000, { min: 100, max: 120_000 });
    const { userPlan, prov, clock } = await rigRunOptions(args, io, config);
    // Records like `run`'s, so a unit's history holds its re-tests too.
    const storeDir = storeDirOption(args, io);
    const store = await openDefaultStore(storeDir);
    const sinks: Sink[] = [new StoreSink(store), new ConsoleSink(view, { verbose: flag(args, 'verbose') })];
    const rig = await openRig(config, { signal: io.signal, ...(clock ? { clock } : {}) }).catch(async (e) => {
      await store.close();
      throw e;
    });
    let log: FirmwareLogCapture | undefined;
    try {
      // A unit that is not running yet (a sim rig, a unit not powered) is booted once, then waited for.
      if (!url) {
        await waitForDevice(rig, { boot: 'if-absent', timeoutMs: 20_000, signal: io.signal, log: (m) => view.write(`no device URL yet: ${m}\n`) });
      }
      const client = new ObkClient({
        url: url ?? (() => rig.deviceUrl()),
        timeoutMs,
        clock: rig.clock,
        ...(user !== undefined || password !== undefined ? { user: user ?? 'admin', password: password ?? '' } : {}),
      });
      // The firmware's log (the rig's logUart, else the network log): t.log and the run's events.
      log = await openRigFirmwareLog(rig);
      const resources = buildResources({ rig, template, client, log });
      const checks = buildCheckPhases({
        rig,
        template,
        options: { calibrate: flag(args, 'calibrate'), configure: flag(args, 'configure'), ...prov.checks },
      });
      const plan = userPlan ? userPlan.apply(checks) : checks;
      // The phases are printed once, by the console sink's run line; this names what they come from.
      if (!json) view.write(`device ${template.source}${userPlan ? `, plan ${userPlan.def.name} (${userPlan.record.planFile})` : ''}\n`);
      const record = await runOnRig(args, io, rig, config, { plan, resources, ...userPlan?.record, sinks, ...prov.run });
      if (json) io.out.write(JSON.stringify(record, null, 2) + '\n');
      return exitCodeOf(record);
    } finally {
      await log?.close();
      await rig.close();
      await store.close();
      stopClock(clock, io);
    }
  },
};
