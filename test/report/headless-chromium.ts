/**
 * What the operator-page browser tests share: Debian's Chromium (driven by playwright-core) at the
 * 7-inch screen's 800×480, a describe that skips, saying why, where Chromium is not installed, and a
 * station with a browser on it for a suite.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ServeHandle } from '../../src/station/serve-app.js';
import { describeIf } from '../support/describe-if.js';

export const CHROMIUM = '/usr/bin/chromium';

/** A describe block that needs Chromium: where it is not installed, skipped after one line saying why. */
export function describeWithChromium(title: string, fn: () => void): void {
  describeIf(existsSync(CHROMIUM), `"${title}": it needs ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`)(title, fn);
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

export interface StationInChromium {
  readonly dir: string;
  readonly app: ServeHandle;
  readonly browser: BrowserContext;
}

/**
 * Call inside a describe: before its tests a temporary directory (`dir`), the station `start` serves
 * from it and a Chromium with its profile in `dir/profile`; after them both closed and, unless
 * `keepDir` (files a person is to look at), the directory removed.
 */
export function stationInChromium(prefix: string, start: (dir: string) => Promise<ServeHandle>, opts: { keepDir?: boolean } = {}): StationInChromium {
  let dir: string | undefined;
  let app: ServeHandle | undefined;
  let browser: BrowserContext | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    app = await start(dir);
    browser = await launchChromium(join(dir, 'profile'));
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir && !opts.keepDir) await rm(dir, { recursive: true, force: true });
  });
  const set = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the station is started in beforeAll');
    return v;
  };
  return {
    get dir() {
      return set(dir);
    },
    get app() {
      return set(app);
    },
    get browser() {
      return set(browser);
    },
  };
}
