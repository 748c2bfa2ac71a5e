/**
 * The operator page over real simulated rigs: `plugrig serve`'s factory runs the whole unit plan
 * (flash, boot, configure, checks) on three sim rig files, one of them with a meter calibration 8 % off. Started
 * from the page in headless Chromium, two slots reach PASS and the faulty one shows FAIL with the
 * BL0937 check's measurement. Skips, saying why, when /usr/bin/chromium is not installed.
 */
import { expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeWithChromium, openOperatorPage, slotCard as card, stationInChromium } from './headless-chromium.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { startServe } from '../../src/station/serve-app.js';
import { serveRunFactory } from '../../src/station/serve-factory.js';
import { describeImage } from '../../src/bk7231/image.js';
import { generateTestImage } from '../../src/bk7231/test-image.js';
import { PACKAGE_ROOT } from '../../src/rig/config.js';

describeWithChromium('operator page driving simulated rigs through the real unit plan', () => {
  const suite = stationInChromium('plugrig-page-rigs-', async (dir) => {
    const base = JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'rigs/sim.json'), 'utf8'));
    const rig = (name: string, seed: number, firmwareFaults: string[] = []) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          ...base,
          name,
          device: resolve(PACKAGE_ROOT, 'hardware/devices/rmc021.json'),
          sim: { timing: 'fast', seed, path: `sim:page-${name}`, firmwareFaults },
        }),
      );
      return file;
    };
    const slots = [
      { slot: 'slot0', rig: 'bench-a', rigPath: rig('bench-a', 11) },
      { slot: 'slot1', rig: 'bench-b', rigPath: rig('bench-b', 12) },
      { slot: 'slot2', rig: 'bench-c', rigPath: rig('bench-c', 13, ['cal-off:8']) },
    ];
    const image = { data: describeImage('OpenBK7231N_QIO_test.bin', generateTestImage({ size: 128 * 1024 })), shownPath: '(test)' };
    // One virtual clock for the station and its simulated modules: the plans run without real waiting.
    const clock = new VirtualClock();
    const { factory } = serveRunFactory({ storeDir: dir, cwd: PACKAGE_ROOT, image, clock });
    return startServe({ slots, factory, storeDir: join(dir, 'store'), port: 0, token: 'page-rigs-token', clock });
  });

  test('two slots reach PASS, the slot with a miscalibrated meter shows FAIL naming the BL0937 check', async () => {
    const page = await openOperatorPage(suite.browser, suite.app.operatorUrl);
    await page.locator('#start-all').click();
    await page.waitForSelector('.card[data-slot="slot0"].pass', { timeout: 150_000 });
    await page.waitForSelector('.card[data-slot="slot1"].pass', { timeout: 30_000 });
    await page.waitForSelector('.card[data-slot="slot2"].fail', { timeout: 30_000 });
    expect(await card(page, 'slot2').locator('.check').textContent()).toMatch(/^bl0937: .*_error@/);
    // in plain words, with the value against its limits, as the operator reads it
    expect(await card(page, 'slot2').locator('.words').textContent()).toBe('Power meter reads wrong: calibrate it');
    expect(await card(page, 'slot2').locator('.value').textContent()).toMatch(/^-?\d+(\.\d+)? ?\S* · limits ±/);
    if (process.env.PLUGRIG_SCREENSHOTS) await page.screenshot({ path: join(process.env.PLUGRIG_SCREENSHOTS, 'sim-rigs-800x480.png') });
    // however long the failure text, the slot's Start button stays on a 7-inch 800×480 screen
    const start = await card(page, 'slot2').locator('button.start').boundingBox();
    expect(start!.y + start!.height).toBeLessThanOrEqual(480);
    expect(await card(page, 'slot0').locator('.mac').textContent()).toMatch(/^02:5A:4D(:[0-9A-F]{2}){3}$/);
    const records = await suite.app.store.records();
    expect(records.map((r) => [r.slot, r.outcome]).sort()).toEqual([
      ['slot0', 'PASS'],
      ['slot1', 'PASS'],
      ['slot2', 'FAIL'],
    ]);
    const failed = records.find((r) => r.slot === 'slot2')!;
    expect(failed.phases.find((p) => p.name === 'bl0937')!.outcome).toBe('FAIL');
    expect(failed.phases.find((p) => p.name === 'relay-button')!.outcome).toBe('PASS'); // the other checks ran and passed
    await page.close();
  }, 200_000);
});
