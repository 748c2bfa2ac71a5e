/**
 * The whole unit plan (link, backup, flash, verify, boot, configure, reboot, checks) on the
 * simulated RMC021 through the sim rig, once without faults and once per firmware fault switch,
 * all at the same time, on one clock shared by the host and the modules (virtual as soon as the
 * simulator runs on the clock it is given: then no real waiting at all). Each fault must
 * fail exactly the phase that judges it, with a measurement or error saying why; the rest pass or
 * are skipped with a reason.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeImage } from '../../src/bk7231/image.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { parseTemplate } from '../../src/device/template.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';
import type { RunRecord } from '../../src/core/record.js';
import { openRigFirmwareLog } from '../../src/run/resources/log.js';
import { runPlan } from '../../src/run/runner.js';
import { buildUnitPlan } from '../../src/run/unit-plan.js';
import { backupLocation } from '../../src/report/store/backup-store.js';
import type { ObkSimFaultSpec } from '../../src/sim/index.js';
import { cli } from '../cli/run-cli.js';
import { openSimUnit, SIM_RIG_FILE } from './sim-unit.js';
import { simTestFile, simulatorTakesClock } from './shared-clock.js';

const rigFile = SIM_RIG_FILE;
const template = parseTemplate(JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'), 'utf8')));
const image = describeImage('OpenBK7231N_QIO_test.bin', generateTestImage({ size: 128 * 1024 }));
const { clock, cleanups } = await simTestFile();
const virtual = await simulatorTakesClock();

async function runUnit(faults: ObkSimFaultSpec[], seed: number): Promise<RunRecord> {
  const { rig } = await openSimUnit(clock, cleanups, { module: { seed, path: `sim:faults-${seed}` }, faults });
  // the firmware log over the rig's logUart, so the built-in unexpected-reboot check has its lines
  const log = await openRigFirmwareLog(rig);
  cleanups.push(() => log.close());
  const unit = buildUnitPlan({
    rig,
    template,
    log,
    image,
    imagePath: '(test)',
    offset: 0,
    backups: backupLocation(mkdtempSync(join(tmpdir(), 'plugrig-bk-'))),
    bootTimeoutMs: 8000,
  });
  try {
    return await runPlan({ slot: `s${seed}`, rig: rig.name, plan: unit.plan, resources: unit.resources, sinks: [], clock: rig.clock });
  } finally {
    await unit.close();
  }
}

const outcomes = (r: RunRecord) => Object.fromEntries(r.phases.map((p) => [p.name, p.outcome]));
const failed = (r: RunRecord, phase: string) =>
  r.phases
    .find((p) => p.name === phase)!
    .measurements.filter((m) => m.verdict === 'FAIL')
    .map((m) => m.name);

const CASES: Record<string, ObkSimFaultSpec[]> = {
  none: [],
  'relay-stuck': ['relay-stuck'],
  'button-unwired': ['button-unwired'],
  'led-inverted': ['led-inverted'],
  'sel-inverted': ['sel-inverted'],
  'cal-off': ['cal-off:8'],
  'http-dead': ['http-dead'],
  'no-boot': ['no-boot'],
  'crash-after': ['crash-after:12'], // 12 s of uptime: the checks after the deliberate reset take longer
};

/** `plugrig run` itself (what `npm start` does), on a fast copy of the sim rig, with --junit and --store (and --virtual-time once the simulator takes a clock). */
function runCli() {
  const dir = mkdtempSync(join(tmpdir(), 'plugrig-cli-run-'));
  const rig = join(dir, 'sim-fast.json');
  const json = JSON.parse(readFileSync(rigFile, 'utf8'));
  writeFileSync(
    rig,
    JSON.stringify({ ...json, device: resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'), sim: { timing: 'fast', seed: 7, path: 'sim:cli-run' } }),
  );
  const result = cli(['run', '--rig', rig, '--store', join(dir, 'store'), '--junit', join(dir, 'junit.xml'), '--json', ...(virtual ? ['--virtual-time'] : [])]);
  return { dir, result };
}

describe('the unit plan against each simulated firmware fault', () => {
  const records = new Map<string, RunRecord>();
  const all = Promise.all(Object.entries(CASES).map(async ([name, f], i) => records.set(name, await runUnit(f, 100 + i))));
  const viaCli = runCli();

  test('plugrig run: exit 0, the record as JSON, JUnit with a case per phase, the record kept in the store', async () => {
    const r = await viaCli.result;
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.out) as RunRecord;
    expect(rec.outcome).toBe('PASS');
    expect(rec.unit.mac).toMatch(/^025A4D[0-9A-F]{6}$/);
    const xml = readFileSync(join(viaCli.dir, 'junit.xml'), 'utf8');
    for (const p of rec.phases) expect(xml).toContain(`name="${p.name}"`);
    expect(xml).not.toMatch(/<failure/);
    const q = await cli(['records', '--store', join(viaCli.dir, 'store'), '--mac', rec.unit.mac!, '--json']);
    expect(q.code).toBe(0);
    const kept = JSON.parse(q.out) as RunRecord[];
    expect(kept.map((k) => [k.runId, k.outcome])).toEqual([[rec.runId, 'PASS']]);
    expect(kept[0]!.backupPath).toBe(`${join(viaCli.dir, 'store', 'records.sqlite')}#${rec.unit.mac}`);
  }, 150_000);

  const CHECKS = ['wifi-led', 'relay', 'relay-button', 'bl0937'];
  const flashOk = { link: 'PASS', backup: 'PASS', flash: 'PASS', verify: 'PASS' };
  const upToChecks = { ...flashOk, boot: 'PASS', configure: 'PASS', reboot: 'PASS', 'reboot-watch': 'PASS', identity: 'PASS' };
  const checksPass = { ...Object.fromEntries(CHECKS.map((c) => [c, 'PASS'])), 'no-unexpected-reboot': 'PASS' };

  test('no fault: every phase passes', async () => {
    await all;
    const r = records.get('none')!;
    expect(outcomes(r)).toEqual({ ...upToChecks, ...checksPass });
    expect(r.outcome).toBe('PASS');
  }, 150_000);

  test.each([
    ['relay-stuck', 'relay', ['power_on_latency']],
    ['button-unwired', 'relay-button', null],
    ['led-inverted', 'wifi-led', ['wifi_led_boot_low_excess']],
    ['sel-inverted', 'bl0937', null],
    ['cal-off', 'bl0937', null],
  ])(
    '%s fails only %s',
    async (fault, phase, measurements) => {
      await all;
      const r = records.get(fault)!;
      const want: Record<string, string> = { ...upToChecks, ...checksPass, [phase]: 'FAIL' };
      if (fault === 'relay-stuck') want['relay-button'] = 'SKIP'; // judged through the relay, which failed on its own
      expect(outcomes(r)).toEqual(want);
      expect(r.outcome).toBe('FAIL');
      const why = failed(r, phase);
      expect(why.length).toBeGreaterThan(0);
      if (measurements) for (const m of measurements) expect(why).toContain(m);
    },
    150_000,
  );

  test('http-dead: the first phase that talks HTTP ends the run, naming the timeout', async () => {
    await all;
    const r = records.get('http-dead')!;
    const o = outcomes(r);
    for (const [phase, outcome] of Object.entries(flashOk)) expect(o[phase]).toBe(outcome);
    // configure is a phase() like a user's: what it throws fails it, the device's error code leading the message
    expect(o.configure).toBe('FAIL');
    expect(r.phases.find((p) => p.name === 'configure')!.error?.message).toMatch(/^E_DEVICE_HTTP_/);
    expect(r.phases.filter((p) => p.outcome !== 'SKIP').map((p) => p.name)).toEqual([...Object.keys(flashOk), 'boot', 'configure']);
    expect(r.outcome).toBe('FAIL');
  }, 150_000);

  test('crash-after: the checks with a window to spare pass around the crashes, the unexpected-reboot check fails the unit quoting the log', async () => {
    await all;
    const r = records.get('crash-after')!;
    // The fixture checks overlap after the reset, and the meter check spans that whole window
    // (3 loads × 4 SEL seconds ≈ 12.05 s of uptime): a crash at every 12 s of uptime lands in it,
    // and again in its retry, whatever the crash time. The others finish or retry in time.
    expect(outcomes(r)).toEqual({ ...upToChecks, ...checksPass, bl0937: 'FAIL', 'no-unexpected-reboot': 'FAIL' });
    expect(r.outcome).toBe('FAIL');
    const m = r.phases.find((p) => p.name === 'no-unexpected-reboot')!.measurements[0]!;
    expect(m).toMatchObject({ name: 'unexpected_reboots', verdict: 'FAIL' });
    expect(m.value as number).toBeGreaterThanOrEqual(1);
    expect(m.note).toMatch(
      /boot banner at [\d.]+ s \(log line \d+\):\n {2}Info:MAIN:Time 10, [^\n]*\n {2}Info:MAIN:Time 11, [^\n]*\n {2}Info:MAIN:Time 12, [^\n]*\n> Info:MAIN:Main_Init_Before_Delay\n/,
    );
  }, 150_000);

  test('no-boot: the boot phase fails with the reason, nothing after it runs', async () => {
    await all;
    const r = records.get('no-boot')!;
    const boot = r.phases.find((p) => p.name === 'boot')!;
    expect(boot.outcome).toBe('FAIL');
    expect(boot.measurements[0]!.note).toMatch(/never served HTTP/);
    expect(r.phases.filter((p) => p.outcome !== 'SKIP').map((p) => p.name)).toEqual(['link', 'backup', 'flash', 'verify', 'boot']);
  }, 150_000);
});
