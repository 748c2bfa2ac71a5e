/**
 * Provisioning on the simulated plug, in virtual time: the whole unit plan with a provisioning
 * file, once with good values (applied, read back, kept over a reset), once with an SSID longer
 * than OpenBeken keeps (cut by the firmware: the read-back FAILs, saying why), once with an MQTT
 * password too long for its field (refused before anything is sent). The test password appears
 * in no event any sink saw.
 */
import { backupLocation } from '../../src/report/store/backup-store.js';
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeImage } from '../../src/bk7231/image.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import type { RunRecord } from '../../src/core/record.js';
import type { RunEvent } from '../../src/core/run-types.js';
import { parseProvisioning, provisioningRedactor } from '../../src/device/provisioning.js';
import { parseTemplate } from '../../src/device/template.js';
import { phase } from '../../src/plan/phase.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';
import { runPlan } from '../../src/run/runner.js';
import { buildUnitPlan } from '../../src/run/unit-plan.js';
import { simTestFile } from '../run/shared-clock.js';
import { openSimUnit } from '../run/sim-unit.js';

const template = parseTemplate(JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'), 'utf8')));
const image = describeImage('OpenBK7231N_QIO_test.bin', generateTestImage({ size: 128 * 1024 }));
const { clock, cleanups } = await simTestFile();

const WIFI_PASS = 'wifi-S3cret-7731';
const MQTT_PASS = 'mq&tt pass/42';
const env = { LINE_WIFI_PASS: WIFI_PASS };

function file(over: { ssid?: string; mqttPassword?: string } = {}) {
  return parseProvisioning(
    {
      wifi: { ssid: over.ssid ?? 'line net', password: { env: 'LINE_WIFI_PASS' } },
      mqtt: { host: '10.0.0.2', user: 'plug', password: over.mqttPassword ?? MQTT_PASS, topic: 'plugs/{mac6}' },
      name: 'plug-{mac6}',
      commands: ['SetStartValue 1 0'],
    },
    'line.json',
    env,
  );
}

/** After provisioning: a CEN reset, then what the unit reports once it serves again. */
const afterReset = phase('after-reset', { timeoutMs: 30_000 }, async (t) => {
  await t.power.reset({ signal: t.signal });
  for (let i = 0; ; i++) {
    try {
      const info = await t.device.info({ signal: t.signal, retries: 0 });
      t.measure('name_after_reset', info.shortName ?? null);
      t.measure('topic_after_reset', info.mqttTopic ?? null);
      const st = (await t.device.status(11, { signal: t.signal })) as { StatusSTS: { Wifi: { SSId: string } } };
      t.measure('ssid_after_reset', st.StatusSTS.Wifi.SSId);
      return;
    } catch (e) {
      if (i > 60) throw e;
      await t.sleep(250);
    }
  }
});

async function runUnit(seed: number, prov: ReturnType<typeof file>, extra = false): Promise<{ record: RunRecord; seen: string }> {
  const { rig } = await openSimUnit(clock, cleanups, { module: { seed, path: `sim:prov-${seed}` } });
  const unit = buildUnitPlan({
    rig,
    template,
    image,
    imagePath: '(test)',
    offset: 0,
    backups: backupLocation(mkdtempSync(join(tmpdir(), 'plugrig-prov-bk-'))),
    bootTimeoutMs: 8000,
    checks: { provision: prov },
  });
  const events: RunEvent[] = [];
  const redactor = provisioningRedactor(prov);
  try {
    const record = await runPlan({
      slot: `p${seed}`,
      rig: rig.name,
      plan: extra ? [...unit.plan, afterReset] : unit.plan,
      resources: unit.resources,
      sinks: [{ handle: (e) => void events.push(e) }],
      clock: rig.clock,
      ...(redactor ? { redactor } : {}),
    });
    return { record, seen: JSON.stringify(events) + JSON.stringify(record) };
  } finally {
    await unit.close();
  }
}

const phaseOf = (r: RunRecord, name: string) => r.phases.find((p) => p.name === name)!;
const values = (r: RunRecord, name: string) => Object.fromEntries(phaseOf(r, name).measurements.map((m) => [m.name, [m.value, m.verdict]]));

describe('provisioning on the simulated plug', () => {
  const good = runUnit(301, file(), true);
  const longSsid = runUnit(302, file({ ssid: `line-${'x'.repeat(70)}` }));
  const longMqttPass = runUnit(303, file({ mqttPassword: 'p'.repeat(130) }));

  test('good values: applied, read back, kept over a reset; the run PASSes', async () => {
    const { record } = await good;
    const mac6 = record.unit.mac!.slice(6).toLowerCase();
    expect(phaseOf(record, 'provision').outcome).toBe('PASS');
    // Provisioning comes last among the unit's checks (after those that need the open AP); only the
    // unexpected-reboot verdict, which covers it too, and the test's own phase follow.
    expect(record.phases.map((p) => p.name).slice(-3)).toEqual(['provision', 'no-unexpected-reboot', 'after-reset']);
    expect(values(record, 'provision')).toEqual({
      wifi_ssid: ['line net', 'PASS'],
      wifi_password_set: [true, 'PASS'],
      mqtt_host: ['10.0.0.2:1883', 'PASS'],
      mqtt_topic: [`plugs/${mac6}`, 'PASS'],
      mqtt_user_set: [true, 'PASS'],
      mqtt_password_set: [true, 'PASS'],
      device_name: [`plug-${mac6}`, 'PASS'],
      commands_sent: [1, 'PASS'],
    });
    // Kept in the unit's flash config: the same values after the firmware booted again.
    expect(values(record, 'after-reset')).toEqual({
      name_after_reset: [`plug-${mac6}`, 'UNCHECKED'],
      topic_after_reset: [`plugs/${mac6}`, 'UNCHECKED'],
      ssid_after_reset: ['line net', 'UNCHECKED'],
    });
    expect(record.outcome).toBe('PASS');
  }, 150_000);

  test('an SSID longer than OpenBeken keeps: the firmware cuts it, the read-back FAILs saying why', async () => {
    const { record } = await longSsid;
    const p = phaseOf(record, 'provision');
    expect(p.outcome).toBe('FAIL');
    const ssid = p.measurements.find((m) => m.name === 'wifi_ssid')!;
    expect(ssid.verdict).toBe('FAIL');
    expect(String(ssid.value)).toHaveLength(63);
    expect(ssid.note).toMatch(/wifi\.ssid has 75 characters; OpenBeken keeps at most 63/);
    expect(record.outcome).toBe('FAIL');
  }, 150_000);

  test('an MQTT password too long for its field: refused before anything is sent, naming the key only', async () => {
    const { record, seen } = await longMqttPass;
    const p = phaseOf(record, 'provision');
    expect(p.outcome).toBe('FAIL');
    expect(p.error?.message).toMatch(/cannot provision: mqtt\.password is 130 bytes; OpenBeken keeps at most 127/);
    expect(seen).not.toContain('p'.repeat(130));
    expect(record.outcome).toBe('FAIL');
  }, 150_000);

  test('no event and no record holds a password, in any encoding', async () => {
    for (const run of [good, longSsid]) {
      const { seen } = await run;
      for (const secret of [WIFI_PASS, MQTT_PASS, encodeURIComponent(MQTT_PASS), JSON.stringify(MQTT_PASS).slice(1, -1)]) expect(seen).not.toContain(secret);
      expect(seen).toContain('wifi.password');
    }
  }, 150_000);
});
