/**
 * What the operator page tells a line operator (issue 11, item 1), in headless Chromium with the
 * station in virtual time: four slots on the 7-inch 800×480 screen, a failed slot's plain-words
 * reason, its value against its limits and its hint, ERROR said as ERROR and counted as a failure,
 * a flash's speed and ETA, the full text by a tap, and a wrong token as a visible warning.
 * Screenshots go to $PLUGRIG_SCREENSHOTS or a temp dir (printed), for a person to look at.
 */
import { afterAll, expect, test } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describeWithChromium, openOperatorPage, slotCard as card, stationInChromium } from './headless-chromium.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { startServe } from '../../src/station/serve-app.js';
import { simulatedRunFactory } from '../../src/run/simulated-plan.js';
import type { RunEvent, RunEventBody } from '../../src/core/run-types.js';

const SIZES = [
  { width: 800, height: 480 },
  { width: 1366, height: 768 },
];

describeWithChromium('operator page: what to do about a failure', () => {
  let shots = '';
  const suite = stationInChromium(
    'plugrig-page-operator-',
    async (dir) => {
      shots = process.env.PLUGRIG_SCREENSHOTS ?? join(dir, 'screenshots');
      await mkdir(shots, { recursive: true });
      const clock = new VirtualClock();
      return startServe({
        slots: [
          { slot: 'slot0', rig: 'bench-a' },
          { slot: 'slot1', rig: 'bench-b' },
          { slot: 'slot2', rig: 'bench-c' },
          { slot: 'slot3', rig: 'bench-d' },
        ],
        factory: simulatedRunFactory({
          imageBytes: 256 * 1024,
          faults: (s) => (s.slot === 'slot1' ? { failCheck: 'bl0937' } : s.slot === 'slot2' ? { errorPhase: 'link' } : undefined),
        }),
        storeDir: join(dir, 'store'),
        port: 0,
        token: 'operator-token',
        clock,
        hub: { countSimulated: true }, // an all-simulated station: its runs count
      });
    },
    { keepDir: true }, // the screenshots are for a person to look at
  );

  afterAll(() => {
    if (!process.env.PLUGRIG_SCREENSHOTS) console.log(`screenshots kept in ${shots}`);
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, name) });

  test('four slots at 800×480: plain-words reason, value and limits, hint; ERROR is ERROR and counted; speed and ETA', async () => {
    const page = await openOperatorPage(suite.browser, suite.app.operatorUrl);
    for (const s of ['slot0', 'slot1', 'slot2']) suite.app.station.start(s);
    await page.waitForSelector('.card[data-slot="slot0"].pass', { timeout: 60_000 });
    await page.waitForSelector('.card[data-slot="slot1"].fail', { timeout: 60_000 });
    await page.waitForSelector('.card[data-slot="slot2"].fail', { timeout: 60_000 });
    // slot3 mid-flash, as a real flash phase reports it (bytes/s and ETA), straight into the store
    let seq = 0;
    const e = (body: RunEventBody) => ({ ...body, runId: 'live-flash', slot: 'slot3', seq: ++seq, t: Date.now() }) as RunEvent;
    await suite.app.store.append(e({ type: 'run.started', rig: 'bench-d', plan: ['power', 'link', 'identify', 'backup', 'flash', 'verify'], unit: {} }));
    await suite.app.store.append(e({ type: 'phase.started', phase: 'flash', attempt: 1 }));
    const progress = { done: 393_216, total: 1_048_576, unit: 'bytes' as const, bytesPerSec: 118_000, etaMs: 5_600, label: 'write' };
    await suite.app.store.append(e({ type: 'phase.progress', phase: 'flash', progress }));
    await page.waitForFunction(() => /KiB\/s/.test(document.querySelector('.card[data-slot="slot3"] .speed')?.textContent ?? ''));

    const fail = card(page, 'slot1');
    expect(await fail.locator('.verdict').textContent()).toBe('FAIL');
    expect(await fail.locator('.words').textContent()).toBe('Power meter reads wrong: calibrate it');
    expect(await fail.locator('.value').textContent()).toBe('87.5 W · limits 95–105 W');
    const err = card(page, 'slot2');
    expect(await err.locator('.verdict').textContent()).toBe('ERROR'); // the word records uses
    expect(await err.locator('.words').textContent()).toBe('No answer from the module: check it is seated');
    expect(await err.locator('.hint').textContent()).toBe('→ a fault the test asked for'); // the error's own hint
    expect(await card(page, 'slot3').locator('.speed').textContent()).toBe('115 KiB/s · ETA 6s');
    await page.waitForFunction(() => document.getElementById('passed')?.textContent === '1' && document.getElementById('failed')?.textContent === '2');
    expect((await suite.app.store.records({ outcome: 'ERROR' })).map((r) => r.slot)).toEqual(['slot2']);
    // records --outcome FAILED: the same runs the page's "failed today" counts
    expect((await suite.app.store.records({ outcome: 'FAILED' })).map((r) => r.slot).sort()).toEqual(['slot1', 'slot2']);

    // all four cards, their reasons and Start buttons are on the 800×480 screen, nothing scrolls sideways
    for (const s of ['slot0', 'slot1', 'slot2', 'slot3']) {
      for (const sel of ['.verdict', 'button.start']) {
        const b = (await card(page, s).locator(sel).boundingBox())!;
        expect(b.x + b.width).toBeLessThanOrEqual(800);
        expect(b.y + b.height).toBeLessThanOrEqual(480);
      }
    }
    for (const sel of ['.words', '.value', '.hint']) {
      const b = (await fail.locator(sel).boundingBox()) ?? (await err.locator(sel).boundingBox());
      expect(b!.y + b!.height).toBeLessThanOrEqual(480);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await shot(page, 'four-slots-800x480.png');

    // the whole text by touch: a tap on the reason opens it, another closes it
    expect(await fail.locator('.detail').isVisible()).toBe(false);
    await fail.locator('.why').click();
    expect(await fail.locator('.why').getAttribute('aria-expanded')).toBe('true');
    expect(await fail.locator('.detail').isVisible()).toBe(true);
    expect(await fail.locator('.detail').textContent()).toMatch(/^bl0937: power_w = 87\.5 W/);
    await shot(page, 'four-slots-800x480-expanded.png');
    await fail.locator('.why').click();
    expect(await fail.locator('.detail').isVisible()).toBe(false);

    await page.setViewportSize(SIZES[1]!);
    await page.waitForTimeout(100);
    await shot(page, 'four-slots-1366x768.png');
    await page.close();
  }, 120_000);

  test('a wrong token is a visible warning and the Start buttons are off', async () => {
    for (const size of SIZES) {
      const page = await suite.browser.newPage();
      await page.setViewportSize(size);
      await page.goto(`${suite.app.url}/#token=not-the-token`);
      await page.waitForSelector('#conn.warn');
      expect(await page.locator('#conn').textContent()).toBe('wrong token');
      expect(await page.locator('#badtoken').isVisible()).toBe(true);
      expect(await page.locator('#badtoken').textContent()).toContain('Wrong token');
      expect(await card(page, 'slot0').locator('button.start').isDisabled()).toBe(true);
      expect(await page.locator('#start-all').isDisabled()).toBe(true);
      await shot(page, `wrong-token-${size.width}x${size.height}.png`);
      await page.close();
    }
    // the right token: no warning
    const good = await openOperatorPage(suite.browser, suite.app.operatorUrl);
    expect(await good.locator('#badtoken').isVisible()).toBe(false);
    await good.waitForFunction(() => !(document.querySelector('.card[data-slot="slot0"] button.start') as HTMLButtonElement).disabled);
    await good.close();
  }, 60_000);
});
