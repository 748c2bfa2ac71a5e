import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JunitSink, junitFromEvents, xmlEscape } from '../../src/report/junit.js';
import { runPlan } from '../../src/run/runner.js';
import type { Phase, RunEvent, Sink } from '../../src/core/run-types.js';

const xsd = fileURLToPath(new URL('./fixtures/junit.xsd', import.meta.url));
const xmllint = ['/usr/bin/xmllint', '/bin/xmllint'].find(existsSync);

async function eventsOf(plan: Phase[]): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  const sink: Sink = { handle: (e) => void events.push(e) };
  await runPlan({ slot: 'slot0', rig: 'sim & <rig>', plan, unit: { mac: 'C8478C000001' }, sinks: [sink] });
  return events;
}

const failingPlan: Phase[] = [
  { name: 'flash', timeoutMs: 500, run: async (ctx) => void ctx.measure({ name: 'crc_match', value: true, limits: { equals: true } }) },
  {
    name: 'bl0937',
    timeoutMs: 500,
    async run(ctx) {
      ctx.measure({ name: 'voltage', value: 230.1, unit: 'V', limits: { low: 229, high: 231 } });
      ctx.measure({ name: 'power', value: 87.5, unit: 'W', limits: { low: 95, high: 105 }, note: 'CF "pulses" < expected & low' });
    },
  },
  { name: 'relay', timeoutMs: 500, run: async () => undefined },
];

describe('JUnit XML', () => {
  test('one testcase per phase; the failure names the measurement and its limits; escaped', async () => {
    const xml = junitFromEvents(await eventsOf(failingPlan), { host: 'pi' });
    expect((xml.match(/<testcase /g) ?? []).length).toBe(3);
    expect(xml).toContain('<testsuite name="plugrig slot0 C8478C000001" tests="3" failures="1" errors="0" skipped="1"');
    expect(xml).toContain('<failure message="power = 87.5 W (limits 95..105 W): FAIL — CF &quot;pulses&quot; &lt; expected &amp; low" type="measurement">');
    expect(xml).toContain('<skipped message="not run after bl0937 failed"/>');
    expect(xml).toContain('classname="plugrig.sim &amp; &lt;rig&gt;.slot0"');
    expect(xml).toContain('<property name="unit.mac" value="C8478C000001"/>');
    expect(xml).toContain('voltage = 230.1 V (limits 229..231 V): PASS');
  });

  test('errors carry code and hint; control characters never reach the XML', async () => {
    const xml = junitFromEvents(
      await eventsOf([
        { name: 'link', timeoutMs: 20, run: () => new Promise(() => undefined) },
        { name: 'x', timeoutMs: 20, run: async (ctx) => void ctx.measure({ name: 'n\u0001ame', value: 1 }) },
      ]),
    );
    expect(xml).toMatch(/<error message="E_PHASE_TIMEOUT: phase link did not finish within 20 ms \(attempt 1\)" type="E_PHASE_TIMEOUT">/);
    expect(xml).toContain('hint: the unit or the rig stopped answering');
    expect(xmlEscape('a\u0000b\u001bc\td')).toBe('abc\td');
  });

  test('validates against the JUnit schema CI systems read', async () => {
    if (!xmllint) {
      console.warn('skipped: xmllint not installed (apt-get install libxml2-utils) — schema check not run');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'plugrig-junit-'));
    const file = join(dir, 'run.xml');
    const sink = new JunitSink(file);
    await runPlan({ slot: 'slot0', rig: 'sim', plan: failingPlan, sinks: [sink] });
    await runPlan({ slot: 'slot1', rig: 'sim', plan: [{ name: 'hang', timeoutMs: 10, run: () => new Promise(() => undefined) }], sinks: [sink] });
    const xml = await readFile(file, 'utf8');
    expect((xml.match(/<testsuite /g) ?? []).length).toBe(2);
    const out = execFileSync(xmllint, ['--noout', '--schema', xsd, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
    // and the schema does reject a broken document, so the check means something
    expect(() =>
      execFileSync(xmllint, ['--noout', '--schema', xsd, '-'], { input: '<testsuites><testsuite/></testsuites>', stdio: ['pipe', 'pipe', 'pipe'] }),
    ).toThrow();
    await rm(dir, { recursive: true });
  });
});
