/**
 * Firmware log capture on the simulated rig, host and module on one VirtualClock: lines over the
 * rig's logUart (the module's UART2 through the sim binding) and over the network log, waitFor and
 * since, log lines as run events kept per phase in the record and in the JUnit system-out, and the
 * unexpected-reboot check against the crash-after and boot-loop faults.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { rebootCheck, findReboots } from '../../src/checks/reboot-check.js';
import { sleep } from '../../src/core/clock.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { phase } from '../../src/plan/index.js';
import { junitXml } from '../../src/report/junit.js';
import { PACKAGE_ROOT, validateRig } from '../../src/rig/config.js';
import { openRig } from '../../src/rig/open.js';
import { announcingReboots } from '../../src/run/resources/expected-reboots.js';
import { openFirmwareLog, openRigFirmwareLog, type FirmwareLogCapture } from '../../src/run/resources/log.js';
import { noResources } from '../../src/run/resources/none.js';
import { runPlan } from '../../src/run/runner.js';
import type { Phase } from '../../src/core/run-types.js';
import type { PowerApi } from '../../src/core/resources.js';
import { openBekenFirmware } from '../../src/sim/firmware/index.js';
import { createSimModule, type SimModule } from '../../src/sim/index.js';

let clock: VirtualClock;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
beforeEach(() => {
  clock = new VirtualClock();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  clock.stop();
});

function simModule(faults: string[] = []): SimModule {
  const m = createSimModule({ timing: 'fast', factoryImage: false, downloadWindowMs: 20, clock });
  generateTestImage({ version: '1.18.0-plugrig' }).copy(m.flash.data, 0);
  m.setFirmware(openBekenFirmware({ rebootGapMs: 300, faults: faults as never }));
  cleanups.push(() => m.close());
  return m;
}

/** rigs/sim.json (with its logUart) opened on a module of ours. */
async function simRigLog(m: SimModule): Promise<FirmwareLogCapture> {
  const file = resolve(PACKAGE_ROOT, 'rigs/sim.json');
  const config = validateRig(JSON.parse(readFileSync(file, 'utf8')), file);
  const rig = await openRig(config, { simulator: m, clock });
  cleanups.push(() => rig.close());
  const log = await openRigFirmwareLog(rig);
  cleanups.push(() => log.close());
  return log;
}

/** A module of ours powered on, with the rig's log capture past the firmware's init. */
async function bootedSimLog(faults: string[] = []): Promise<{ m: SimModule; log: FirmwareLogCapture }> {
  const m = simModule(faults);
  const log = await simRigLog(m);
  m.powerNet.setHostDrive(1);
  await log.waitFor(/Main_Init_After_Delay/, { timeoutMs: 2000 });
  return { m, log };
}

async function cm(url: string, cmd: string): Promise<string> {
  const res = await fetch(`${url}/cm?cmnd=${encodeURIComponent(cmd)}`, { signal: AbortSignal.timeout(3000) });
  return res.text();
}

describe('firmware log capture', () => {
  test('over the rig’s logUart: the boot banner and the once-a-second lines, timestamped on the rig clock', async () => {
    const m = simModule();
    const log = await simRigLog(m);
    expect(log.available).toBe(true);
    expect(log.source).toBe(`logUart ${m.uartPath}:log`);
    const start = log.mark();
    const t0 = clock.now();
    m.powerNet.setHostDrive(1);
    const banner = await log.waitFor(/Main_Init_Before_Delay/, { timeoutMs: 2000, since: start });
    expect(banner).toMatchObject({ text: 'Info:MAIN:Main_Init_Before_Delay', source: 'uart' });
    expect(banner.tMs - t0).toBeGreaterThanOrEqual(20); // after the ROM window
    expect(banner.tMs - t0).toBeLessThan(200);
    const time3 = await log.waitFor(/^Info:MAIN:Time 3, /, { timeoutMs: 5000 });
    expect(time3.tMs - banner.tMs).toBeGreaterThanOrEqual(2990);
    expect(time3.tMs - banner.tMs).toBeLessThanOrEqual(3010);
    const texts = log.since(start).map((l) => l.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'Warn:CFG:CFG_InitAndLoad: Config crc or ident mismatch. Default config will be loaded.',
        'Info:GEN:PIN_SetupPins pins have been set up.',
        'Info:MAIN:Main_Init_After_Delay',
      ]),
    );
    // since() after a mark has only what came later; seq numbers follow each other
    const mid = log.mark();
    await log.waitFor(/Time 4, /, { timeoutMs: 2000 });
    const later = log.since(mid);
    expect(later.length).toBeGreaterThan(0);
    expect(later[0]!.seq).toBe(mid + 1);
    expect(later.every((l) => l.seq > mid)).toBe(true);
  });

  test('waitFor rejects at its deadline on the rig clock with E_LOG_TIMEOUT naming the pattern and the last lines', async () => {
    const m = simModule();
    const log = await simRigLog(m);
    m.powerNet.setHostDrive(1);
    await log.waitFor(/Time 2, /, { timeoutMs: 5000 });
    const t0 = clock.now();
    const err = (await log.waitFor(/Rebooting/, { timeoutMs: 1500 }).catch((e) => e)) as { code: string; message: string; hint: string };
    expect(clock.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(clock.now() - t0).toBeLessThan(1600);
    expect(err.code).toBe('E_LOG_TIMEOUT');
    expect(err.message).toContain('/Rebooting/');
    expect(err.message).toContain('1500 ms');
    expect(err.hint).toMatch(/last lines: .*Info:MAIN:Time 3, /);
  });

  test('over the network log (no wiring), reconnecting after the firmware reboots', async () => {
    const m = simModule();
    m.powerNet.setHostDrive(1);
    const log = await openFirmwareLog({
      clock,
      reconnectMs: 200,
      net: () => {
        const url = m.httpUrl();
        const port = m.netLogPort();
        return url && port ? { host: new URL(url).hostname, port } : undefined;
      },
    });
    cleanups.push(() => log.close());
    const t2 = await log.waitFor(/^Info:MAIN:Time 2, /, { timeoutMs: 5000 });
    expect(t2.source).toBe('net');
    const beforeRestart = log.mark();
    expect(await cm(m.httpUrl()!, 'restart 2')).toBe('{}');
    await log.waitFor(/CMD_Restart: will reboot in 2/, { timeoutMs: 2000, since: beforeRestart });
    await log.waitFor(/^Info:MAIN:Module reboot in 1\.\.\.$/, { timeoutMs: 2000, since: beforeRestart });
    await log.waitFor(/^Info:MAIN:Rebooting\.\.\.$/, { timeoutMs: 3000, since: beforeRestart });
    // the connection dropped with the reboot; the capture comes back and sees the new uptime
    const again = await log.waitFor(/^Info:MAIN:Time 1, /, { timeoutMs: 5000, since: beforeRestart });
    expect(again.tMs).toBeGreaterThan(t2.tMs);
    expect(log.stopped).toBeUndefined();
  });
});

/** A plan of the reboot check around `middle`. */
function planAround(...middle: Phase[]): Phase[] {
  const check = rebootCheck();
  return [check.start, ...middle, check.end];
}

async function runWithLog(log: FirmwareLogCapture, plan: Phase[], power?: PowerApi) {
  const events: RunEvent[] = [];
  const resources = { ...noResources('test'), log, ...(power ? { power } : {}) };
  const record = await runPlan({ slot: 's0', rig: 'sim', plan, sinks: [{ handle: (e) => void events.push(e) }], clock, resources });
  return { record, events };
}

const idle = (name: string, ms: number) =>
  phase(name, { independent: true, measurements: { idle_ms: { low: 0 } } }, async (t) => {
    await t.sleep(ms);
    t.measure('idle_ms', ms);
  });

describe('log lines in the run', () => {
  test('each line is an event with its phase; a failing phase’s JUnit test case carries its log as system-out', async () => {
    const { log } = await bootedSimLog();
    const failing = phase('user-check', { independent: true, measurements: { relay_on: { equals: true } } }, async (t) => {
      await t.log.waitFor(/Time 3, /, { timeoutMs: 5000 });
      throw new Error('the relay never closed');
    });
    const { record, events } = await runWithLog(log, planAround(failing));
    const fw = events.filter((e) => e.type === 'firmware.log');
    expect(fw.length).toBeGreaterThan(0);
    expect(fw.every((e) => e.type === 'firmware.log' && e.source === 'uart')).toBe(true);
    const mine = fw.filter((e) => e.type === 'firmware.log' && e.phase === 'user-check').map((e) => (e as { line: string }).line);
    expect(mine.some((l) => l.startsWith('Info:MAIN:Time 3, '))).toBe(true);
    const p = record.phases.find((x) => x.name === 'user-check')!;
    expect(p.outcome).toBe('FAIL');
    expect(p.firmwareLog!.map((l) => l.line)).toEqual(mine);

    const xml = junitXml([record], { host: 'test' });
    const caseXml = xml.slice(xml.indexOf('<testcase name="user-check"'), xml.indexOf('</testcase>', xml.indexOf('<testcase name="user-check"')));
    expect(caseXml).toContain('<failure');
    expect(caseXml).toMatch(/<system-out>[\s\S]*firmware log \(\d+ lines\):[\s\S]*Info:MAIN:Time 3, [\s\S]*<\/system-out>/);
    const xmllint = ['/usr/bin/xmllint', '/bin/xmllint'].find(existsSync);
    if (xmllint) {
      const dir = mkdtempSync(join(tmpdir(), 'plugrig-junit-'));
      writeFileSync(join(dir, 'run.xml'), xml);
      const xsd = fileURLToPath(new URL('../report/fixtures/junit.xsd', import.meta.url));
      execFileSync(xmllint, ['--noout', '--schema', xsd, join(dir, 'run.xml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    }
  });
});

describe('the unexpected-reboot check', () => {
  test('passes without faults, with a requested restart and an announced CEN reset in between', async () => {
    const { m, log } = await bootedSimLog();
    // a power resource of the simplest kind (the rig's real one is run/resources' business): CEN only
    const power = announcingReboots(
      {
        switchable: false,
        off: async () => m.cenNet.setHostDrive(0),
        on: async () => m.cenNet.setHostDrive('z'),
        cycle: async () => 'nothing to cycle on a CEN-only rig',
        reset: async () => {
          m.cenNet.setHostDrive(0);
          await sleep(clock, 100);
          m.cenNet.setHostDrive('z');
        },
      },
      log,
    );
    const restarts = phase('restarts', { measurements: { rebooted: { equals: true } } }, async (t) => {
      await t.sleep(6000);
      await cm(m.httpUrl()!, 'restart 1');
      await t.log.waitFor(/Time 6, /, { timeoutMs: 10_000 });
      await t.power.reset();
      await t.log.waitFor(/Main_Init_Before_Delay/, { timeoutMs: 3000 });
      await t.log.waitFor(/Time 2, /, { timeoutMs: 5000 });
      t.measure('rebooted', true);
    });
    const { record } = await runWithLog(log, planAround(restarts), power);
    const end = record.phases.find((p) => p.name === 'no-unexpected-reboot')!;
    expect(record.phases.map((p) => [p.name, p.outcome])).toEqual([
      ['reboot-watch', 'PASS'],
      ['restarts', 'PASS'],
      ['no-unexpected-reboot', 'PASS'],
    ]);
    expect(end.measurements[0]).toMatchObject({ name: 'unexpected_reboots', value: 0, verdict: 'PASS' });
    expect(end.measurements[0]!.note).toMatch(/2 reboot\(s\), all asked for/);
  });

  test('crash-after:8 fails the unit, quoting the log lines around the reboot', async () => {
    const { log } = await bootedSimLog(['crash-after:8']);
    const { record } = await runWithLog(log, planAround(idle('soak', 12_000)));
    expect(record.outcome).toBe('FAIL');
    const meas = record.phases.find((p) => p.name === 'no-unexpected-reboot')!.measurements[0]!;
    expect(meas).toMatchObject({ name: 'unexpected_reboots', value: 1, verdict: 'FAIL' });
    expect(meas.note).toContain('boot banner at');
    expect(meas.note).toContain('  Info:MAIN:Time 8, ');
    expect(meas.note).toContain('> Info:MAIN:Main_Init_Before_Delay');
    expect(meas.note).not.toContain('Rebooting...');
  });

  test('boot-loop fails the unit with every reboot counted', async () => {
    const { log } = await bootedSimLog(['boot-loop']);
    const { record } = await runWithLog(log, planAround(idle('soak', 10_000)));
    const meas = record.phases.find((p) => p.name === 'no-unexpected-reboot')!.measurements[0]!;
    expect(meas.verdict).toBe('FAIL');
    expect(meas.value as number).toBeGreaterThanOrEqual(3); // 2 s up + 0.3 s gap per boot
    expect(meas.note).toContain('Info:MAIN:Time 2, ');
    expect(meas.note).toMatch(/and \d+ more$/);
  });

  test('a log that stays silent fails the check instead of passing it', async () => {
    const m = simModule();
    // the network log asked at a port nobody listens on: the capture runs, no line ever arrives
    const log = await openFirmwareLog({ clock, reconnectMs: 500, maxReconnects: 100, net: () => ({ host: '127.0.0.1', port: 9 }) });
    cleanups.push(() => log.close());
    m.powerNet.setHostDrive(1);
    const { record } = await runWithLog(log, planAround(idle('soak', 6000)));
    const meas = record.phases.find((p) => p.name === 'no-unexpected-reboot')!.measurements[0]!;
    expect(meas).toMatchObject({ value: null, verdict: 'FAIL' });
    expect(meas.note).toMatch(/^no firmware log line arrived in 6\.\d s from net 127\.0\.0\.1:9/);
  });

  test('an uptime drop without a banner (the network log reconnects after the boot) counts too', () => {
    const line = (seq: number, text: string) => ({ seq, tMs: seq * 1000, text, source: 'net' as const });
    const lines = [line(1, 'Info:MAIN:Time 40, idle 0/s'), line(2, 'Info:MAIN:Time 41, idle 0/s'), line(3, 'Info:MAIN:Time 2, idle 0/s')];
    expect(findReboots(lines, [])).toEqual([{ line: lines[2], how: 'uptime drop' }]);
    expect(findReboots(lines, [{ fromMs: 2500, untilMs: 3500, why: 'power.cycle' }])[0]!.expected).toBe('asked for by power.cycle');
  });
});
