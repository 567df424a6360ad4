import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ensureWebBuild } from '../../scripts/build-web.ts';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join(import.meta.dirname, '../../test-output/browser');

/** Debian's Chromium through playwright-core, headless, with the web UI built first. */
export async function launchBrowser(): Promise<Browser> {
  await ensureWebBuild();
  await mkdir(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath,
    headless: true,
    // Playwright gives every launch a fresh temporary --user-data-dir of its own.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false });
}
