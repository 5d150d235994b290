import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (installed by `npm test`'s set-up step); CHROMIUM_PATH points elsewhere. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve(__dirname, '../../test-artifacts/screenshots');

/**
 * Headless Chromium with everything that would reach past loopback switched off (updates,
 * component downloads, sync, QUIC probes), and no sandbox because CI runs as root.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** One browser context per person: separate storage, as two people on two machines. */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  // Below jest's test timeout, so a stuck wait fails inside the test and gets its screenshot.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[browser] ${error.message}\n`));
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') {
      process.stderr.write(`[browser ${message.type()}] ${message.text()}\n`);
    }
  });
  await page.goto(url);
  return page;
}

function fileName(text: string): string {
  return text
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 120);
}

/**
 * Wraps a test body: when it fails, every page it names is screenshotted into
 * test-artifacts/screenshots/<test name>-<label>.png before the failure is reported.
 */
export function withScreenshots(pages: () => Record<string, Page | undefined>, body: () => Promise<void>) {
  return async () => {
    try {
      await body();
    } catch (error) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const test = fileName(expect.getState().currentTestName ?? 'test');
      for (const [label, page] of Object.entries(pages())) {
        await page
          ?.screenshot({ path: resolve(SCREENSHOT_DIR, `${test}-${label}.png`), fullPage: true })
          .catch(() => undefined);
      }
      throw error;
    }
  };
}
