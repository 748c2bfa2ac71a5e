/**
 * The operator page in a real headless Chromium (Debian's, driven by playwright-core): start runs
 * from the page, see PASS, see FAIL with the failed check's name, counters, reconnect, and the
 * 7-inch (800×480) layout. Skips, saying why, when /usr/bin/chromium is not installed.
 */
import { expect, test } from '@jest/globals';
import { join } from 'node:path';
import { describeWithChromium, openOperatorPage, slotCard as card, stationInChromium } from './headless-chromium.js';
import { startServe } from '../../src/station/serve-app.js';
import { simulatedRunFactory } from '../../src/run/simulated-plan.js';

describeWithChromium('operator page in headless Chromium', () => {
  const suite = stationInChromium('plugrig-page-', (dir) =>
    startServe({
      slots: [
        { slot: 'slot0', rig: 'sim-a' },
        { slot: 'slot1', rig: 'sim-b' },
        { slot: 'slot2', rig: 'sim-c' },
      ],
      factory: simulatedRunFactory({ timeScale: 0.03, imageBytes: 128 * 1024, faults: (s) => (s.slot === 'slot2' ? { failCheck: 'relay' } : undefined) }),
      storeDir: join(dir, 'store'),
      port: 0,
      token: 'page-test-token',
      hub: { countSimulated: true }, // an all-simulated station: its runs count
    }),
  );

  const open = (url: string, size?: { width: number; height: number }) => openOperatorPage(suite.browser, url, size);

  test('start two slots from the page, both reach PASS; a failing slot shows FAIL with the check; counters count', async () => {
    const page = await open(suite.app.operatorUrl);
    expect(page.url()).not.toContain('token'); // taken off the address bar
    await expect(card(page, 'slot0').locator('.verdict').textContent()).resolves.toBe('');
    await card(page, 'slot0').locator('button.start').click();
    await card(page, 'slot1').locator('button.start').click();
    await page.waitForSelector('.card[data-slot="slot0"].pass', { timeout: 15_000 });
    await page.waitForSelector('.card[data-slot="slot1"].pass', { timeout: 15_000 });
    expect(await card(page, 'slot0').locator('.verdict').textContent()).toBe('PASS');
    expect(await card(page, 'slot1').locator('.verdict').textContent()).toBe('PASS');
    expect(await card(page, 'slot0').locator('.mac').textContent()).toMatch(/^02:5A:4D(:[0-9A-F]{2}){3}$/);

    await card(page, 'slot2').locator('button.start').click();
    await page.waitForSelector('.card[data-slot="slot2"].fail', { timeout: 15_000 });
    expect(await card(page, 'slot2').locator('.verdict').textContent()).toBe('FAIL');
    expect(await card(page, 'slot2').locator('.check').textContent()).toContain('relay_follows_button');
    // PASS stays on the other cards until their next unit
    expect(await card(page, 'slot0').locator('.verdict').textContent()).toBe('PASS');
    await page.waitForFunction(() => document.getElementById('passed')?.textContent === '2' && document.getElementById('failed')?.textContent === '1');

    const records = await suite.app.store.records();
    expect(records.map((r) => [r.slot, r.outcome]).sort()).toEqual([
      ['slot0', 'PASS'],
      ['slot1', 'PASS'],
      ['slot2', 'FAIL'],
    ]);
    await page.close();
  }, 60_000);

  test('fits a 7-inch 800×480 screen; "start all" starts every idle slot; a new page shows the verdicts after a reload', async () => {
    const page = await open(suite.app.operatorUrl);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = await card(page, 'slot0').locator('.verdict').boundingBox();
    expect(box!.height).toBeGreaterThan(40); // a big verdict, readable at arm's length
    const before = (await suite.app.store.records()).length;
    await page.locator('#start-all').click();
    await page.waitForFunction(
      () => document.querySelectorAll('.card.running').length === 0 && document.querySelectorAll('.card.pass, .card.fail').length === 3,
      undefined,
      {
        timeout: 20_000,
      },
    );
    await page.waitForFunction(() => document.getElementById('passed')?.textContent === '4');
    expect((await suite.app.store.records()).length).toBe(before + 3);
    await page.reload();
    await page.waitForSelector('#conn.up');
    await page.waitForSelector('.card[data-slot="slot2"].fail');
    expect(await card(page, 'slot2').locator('.check').textContent()).toContain('relay_follows_button');
    await page.close();
  }, 60_000);

  test('reconnects by itself when the connection drops', async () => {
    const page = await open(suite.app.operatorUrl, { width: 1280, height: 800 });
    // Cut every WebSocket the server holds.
    const wss = (suite.app.hub as unknown as { wss: { clients: Set<{ terminate(): void }> } }).wss;
    for (const c of wss.clients) c.terminate();
    await page.waitForSelector('#conn.down', { timeout: 5000 });
    await page.waitForSelector('#conn.up', { timeout: 10_000 });
    await card(page, 'slot0').locator('button.start').click();
    await page.waitForSelector('.card[data-slot="slot0"].running', { timeout: 5000 });
    await page.waitForSelector('.card[data-slot="slot0"].pass', { timeout: 15_000 });
    await page.close();
  }, 30_000);

  test('without the operator link the page is view-only; there are no settings to reach', async () => {
    const page = await suite.browser.newPage(); // a fresh tab: no token in its session storage
    await page.goto(suite.app.url);
    await page.waitForSelector('#conn.up');
    await page.waitForSelector('.card[data-slot="slot0"]');
    expect(await page.locator('#readonly').isVisible()).toBe(true);
    expect(await card(page, 'slot0').locator('button.start').isDisabled()).toBe(true);
    expect(await page.locator('#start-all').isDisabled()).toBe(true);
    expect(await page.locator('input, select, textarea, a[href]').count()).toBe(0);
    const settings = await page.request.get(suite.app.url + '/settings');
    expect(settings.status()).toBe(404);
    await page.close();
  }, 30_000);
});
