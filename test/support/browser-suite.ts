import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { launchBrowser, screenshot } from './browser.ts';
import type { TestServer } from './test-server.ts';

export interface BrowserSuite {
  readonly browser: Browser;
  readonly server: TestServer;
  /** This test's browser context, once a page was opened. */
  readonly context: BrowserContext | undefined;
  /**
   * A page on the server, in this test's context (made on first use, so pages of one test share
   * storage like tabs). `clock` installs Playwright's clock in that context before it loads.
   */
  openPage(options?: { path?: string; width?: number; clock?: boolean }): Promise<Page>;
}

/**
 * One browser and one server for a test file. After each test its context closes, after a
 * screenshot of each of its pages if the test failed; `afterEachTest` runs first (to release a held turn).
 */
export function browserSuite(options: {
  server: () => Promise<TestServer>;
  afterEachTest?: () => void;
}): BrowserSuite {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), options.server()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async (testContext) => {
    options.afterEachTest?.();
    if (testContext.task.result?.state === 'fail') {
      const name = testContext.task.name.slice(0, 30).replace(/\W+/g, '-');
      for (const [index, page] of (context?.pages() ?? []).entries()) {
        await screenshot(page, `failed-${name}-${index}`);
      }
    }
    await context?.close();
    context = undefined;
  });
  const suite: BrowserSuite = {
    get browser() {
      if (!browser) throw new Error('the browser is not running');
      return browser;
    },
    get server() {
      if (!server) throw new Error('the server is not running');
      return server;
    },
    get context() {
      return context;
    },
    async openPage(pageOptions = {}) {
      if (!context) {
        context = await suite.browser.newContext({
          viewport: { width: pageOptions.width ?? 1280, height: 800 },
          acceptDownloads: true,
        });
        if (pageOptions.clock) await context.clock.install();
      }
      const page = await context.newPage();
      await page.goto(`${suite.server.url}${pageOptions.path ?? '/'}`);
      return page;
    },
  };
  return suite;
}

/** Types `text` into the composer and presses Send. */
export async function sendFromPage(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}
