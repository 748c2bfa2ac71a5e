/**
 * What the operator-page browser tests share: Debian's Chromium (driven by playwright-core) at the
 * 7-inch screen's 800×480, and a describe that skips, saying why, where Chromium is not installed.
 */
import { describe } from '@jest/globals';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A describe block that needs Chromium: where it is not installed, skipped after one line saying why. */
export function describeWithChromium(title: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, fn);
    return;
  }
  console.warn(`skipped: "${title}" needs ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
  describe.skip(title, fn);
}

/** A headless Chromium on a temporary profile (`profileDir` is its --user-data-dir), sized like the station's screen. */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    viewport: { width: 800, height: 480 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new tab on the operator page at `url`, once the page says its live connection is up. */
export async function openOperatorPage(browser: BrowserContext, url: string, size = { width: 800, height: 480 }): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize(size);
  await page.goto(url);
  await page.waitForSelector('#conn.up');
  return page;
}

/** A slot's card on the operator page. */
export const slotCard = (page: Page, slot: string) => page.locator(`.card[data-slot="${slot}"]`);
