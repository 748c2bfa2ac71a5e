/**
 * Upgrade keeps the config: the run flashes release A (the image it is given) and the default plan
 * applies the template; this phase then calibrates the energy meter, flashes build B with --diff
 * and checks that the pins' roles and the calibration survived and that the build changed.
 *
 *   plugrig run --plan examples/upgrade-keeps-config.ts --virtual-time
 *   PLUGRIG_BUILD_B=build/OpenBK7231N_QIO_1.18.1.bin plugrig run OpenBK7231N_QIO_1.18.0.bin --plan examples/upgrade-keeps-config.ts
 *
 * Without PLUGRIG_BUILD_B (the simulated rig), build B is release A with its version tag bumped,
 * written to a temporary file: the same bytes but one sector, so --diff must rewrite almost nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlan, phase, type DeviceEnergy, type FlashImageInfo, type LoadPoint, type MeterApi, type MeterConstants, type PlanContext } from 'plugrig';

/** The load the meter shows while calibrating and checking (power factor 1). */
const LOAD: LoadPoint = { volts: 230, amps: 2, watts: 460 };
/** The synthetic chip's constants this far off OpenBeken's defaults, as a real unit's are. */
const SKEW = 1.1;
/** A calibrated reading within this of the load (1 pulse per window and the window's length). */
const CALIBRATED_PCT = 2;

const MARKER = 'OpenBK7231N_';

/** Release A with the last digit of its version tag bumped (same length: no other byte moves). */
function bumpVersion(a: FlashImageInfo): { data: Uint8Array; version: string } {
  const data = Buffer.from(a.data);
  for (let at = data.indexOf(MARKER); at >= 0; at = data.indexOf(MARKER, at + 1)) {
    let end = at + MARKER.length;
    while (end < data.length && data[end]! > 0x20 && data[end]! < 0x7f && end - at < 64) end++;
    const version = data.toString('latin1', at + MARKER.length, end);
    if (version === '' || version.startsWith('%')) continue; // a format string, not the build tag
    const d = version.search(/\d(?!.*\d)/);
    if (d < 0) break;
    const bumped = `${version.slice(0, d)}${(Number(version[d]) + 1) % 10}${version.slice(d + 1)}`;
    data.write(bumped, at + MARKER.length, 'latin1');
    return { data, version: bumped };
  }
  throw new Error(`${a.name} has no ${MARKER}<version> build tag to bump: give build B as PLUGRIG_BUILD_B=<file>`);
}

/** The meter at LOAD with skewed constants, read once a few SEL windows have passed. */
async function readAtLoad(t: PlanContext, meter: MeterApi, constants: MeterConstants): Promise<DeviceEnergy> {
  await meter.load(LOAD, { constants });
  const from = meter.selEdges.length;
  // Voltage and current windows alternate on SEL; four edges leave both fresh.
  if (!(await meter.waitForSelEdges(from + 4, { timeoutMs: 15_000, signal: t.signal }))) {
    throw new Error('the BL0937 driver does not toggle SEL: are CF, CF1 and SEL assigned?');
  }
  const e = await t.device.energy({ signal: t.signal });
  if (!e) throw new Error('STATUS 8 has no energy readings: the BL0937 driver is not running');
  return e;
}

const errorPct = (e: DeviceEnergy) => Number(((Math.abs(e.power - LOAD.watts) / LOAD.watts) * 100).toFixed(2));

const upgrade = phase(
  'upgrade-keeps-config',
  {
    timeoutMs: 10 * 60_000,
    measurements: {
      uncalibrated_error_pct: { low: 5, unit: '%', note: 'the skewed meter must read wrong before calibrating, or the test proves nothing' },
      calibration_kept: { equals: true },
      roles_kept: { equals: true },
      build_changed: { equals: true },
      sectors_rewritten: { low: 1, high: 4, note: 'build B differs from A in one sector: --diff must not rewrite the image' },
    },
  },
  async (t) => {
    if (!t.flash.available) t.skip('this rig cannot flash (no boot sequence)');
    const meter = t.fixture.meter;
    if (!meter) return t.skip('the device has no BL0937 the rig drives');
    const skewed = { voltage: meter.constants.voltage * SKEW, current: meter.constants.current * SKEW, power: meter.constants.power * SKEW };

    t.measure('uncalibrated_error_pct', errorPct(await readAtLoad(t, meter, skewed)));
    await t.device.setCalibration({ voltage: LOAD.volts, current: LOAD.amps, power: LOAD.watts }, { signal: t.signal });
    const calibrated = errorPct(await readAtLoad(t, meter, skewed));
    if (calibrated > CALIBRATED_PCT) throw new Error(`calibration did not take: ${calibrated} % off after VoltageSet/CurrentSet/PowerSet`);
    await meter.off();

    const pinsA = await t.device.pins({ signal: t.signal });
    const buildA = (await t.device.info({ signal: t.signal })).build;
    if (!pinsA.roles.some((r) => r !== 0)) throw new Error('no pin has a role: the template was not applied');

    const dir = await mkdtemp(join(tmpdir(), 'plugrig-build-b-'));
    try {
      let buildB = process.env.PLUGRIG_BUILD_B;
      if (!buildB) {
        const a = t.flash.runImage;
        if (!a) return t.skip('no release A in this run: give build B as PLUGRIG_BUILD_B=<file>');
        const b = bumpVersion(a);
        buildB = join(dir, `OpenBK7231N_QIO_${b.version}.bin`);
        await writeFile(buildB, b.data);
      }
      const r = await t.flash.write(buildB, { diff: true, signal: t.signal });
      t.note(`flashed ${r.name}: ${r.sectorsWritten} sector(s) rewritten, ${r.sectorsSkipped} unchanged, CRC 0x${r.crc}, HTTP after ${r.bootMs} ms`);
      t.measure('sectors_rewritten', r.sectorsWritten);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const pinsB = await t.device.pins({ signal: t.signal });
    const buildB = (await t.device.info({ signal: t.signal })).build;
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    t.measure('roles_kept', same(pinsA.roles, pinsB.roles) && same(pinsA.channels, pinsB.channels), {
      note: `roles ${JSON.stringify(pinsB.roles)}, channels ${JSON.stringify(pinsB.channels)}`,
    });
    t.measure('build_changed', buildB !== buildA, { note: `${buildA} → ${buildB}` });
    try {
      const after = errorPct(await readAtLoad(t, meter, skewed));
      t.measure('calibration_kept', after <= CALIBRATED_PCT, { note: `${after} % off ${LOAD.watts} W after the upgrade (${calibrated} % before)` });
    } catch (e) {
      // A meter that no longer reads (its pins lost their roles) has lost its calibration too: say so.
      t.measure('calibration_kept', false, { note: `no reading after the upgrade: ${(e as Error).message}` });
    } finally {
      await meter.off();
    }
  },
);

export default definePlan({
  name: 'upgrade keeps the config',
  phases: [upgrade],
});
