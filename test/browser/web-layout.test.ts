import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createGate } from '../support/gate-tool.ts';
import { startTestServer } from '../support/test-server.ts';

const columns = Array.from({ length: 20 }, (_, index) => index);
const wideTable = [
  'A wide table:',
  '',
  `|${columns.map((index) => ` column ${index} `).join('|')}|`,
  `|${columns.map(() => '---').join('|')}|`,
  `|${columns.map((index) => ` value ${index} `).join('|')}|`,
  '',
  'End of the table.',
].join('\n');

const todos = [
  { content: 'Read the notes', status: 'completed', activeForm: 'Reading the notes' },
  { content: 'Write the summary', status: 'in_progress', activeForm: 'Writing the summary' },
];

const gate = createGate();
const brain = scriptedBrain([
  { when: (request) => request.lastUserText === 'a wide table', reply: textReply(wideTable) },
  { when: (request) => request.toolResults.length > 0, reply: textReply('Done with that.') },
  {
    when: (request) => request.lastUserText === 'plan with todos',
    reply: toolReply({ name: 'todo_write', input: { todos }, text: 'Planning.' }),
  },
  {
    when: (request) => request.lastUserText === 'hold the turn',
    reply: toolReply({ name: 'gate', input: { description: 'hold' }, text: 'Holding the turn.' }),
  },
  { when: () => true, reply: textReply('Noted.') },
]);

const suite = browserSuite({
  server: () => startTestServer({ brain, extraTools: () => [gate.tool] }),
  afterEachTest: () => {
    gate.open();
    gate.rearm();
  },
});

const focusedName = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));

/** The most lines any header or cell of the conversation's tables takes. */
const mostLinesInACell = (page: Page) =>
  page.getByRole('log', { name: 'Conversation' }).evaluate((log) => {
    const lineCount = (cell: Element) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    };
    return Math.max(...[...log.querySelectorAll('th, td')].map(lineCount));
  });

/** Whether the table's wrapper scrolls sideways to show it. */
const tableScrolls = (page: Page) =>
  page.getByRole('table').evaluate((table) => {
    const scroller = table.closest('[data-streamdown="table-wrapper"]');
    return [scroller, table.parentElement].some(
      (element) => element !== null && element.scrollWidth > element.clientWidth,
    );
  });

describe('web layout', { timeout: 60_000 }, () => {
  for (const width of [1280, 360]) {
    test(`at ${width} px a wide table keeps its words whole and scrolls sideways`, async () => {
      const page = await suite.openPage({ width });
      await sendFromPage(page, 'a wide table');
      await page.getByRole('log', { name: 'Conversation' }).getByText('End of the table.').waitFor();
      // "column 10" may wrap between its words, never between its letters.
      expect(await mostLinesInACell(page)).toBeLessThanOrEqual(2);
      expect(await tableScrolls(page)).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(page, `wide-table-${width}`);
    });
  }

  test('at 360×640 ten waiting messages leave the conversation most of the screen', async () => {
    const page = await suite.openPage({ width: 360 });
    await page.setViewportSize({ width: 360, height: 640 });
    await sendFromPage(page, 'hold the turn');
    await gate.reached;
    const composer = page.getByRole('textbox', { name: 'Message' });
    const chips = page.getByRole('list', { name: 'Waiting messages' });
    for (let index = 1; index <= 10; index++) {
      await composer.fill(`waiting message ${index}`);
      await composer.press('Enter');
      await chips.getByText(`waiting message ${index}`, { exact: true }).waitFor();
    }
    const chipsBox = await chips.boundingBox();
    const logBox = await page.getByRole('log', { name: 'Conversation' }).locator('..').boundingBox();
    expect(chipsBox!.height).toBeLessThanOrEqual(640 / 4);
    expect(logBox!.height).toBeGreaterThanOrEqual(640 / 3);
    // The newest is in view; the older ones are a scroll away.
    await expect.poll(() => chips.getByText('waiting message 10', { exact: true }).isVisible()).toBe(true);
    expect(await chips.evaluate((list) => list.scrollHeight > list.clientHeight)).toBe(true);
    await screenshot(page, 'waiting-chips-360');
  });

  test('at 360×640 a tray of many files leaves the text field on the screen', async () => {
    const page = await suite.openPage({ width: 360 });
    await page.setViewportSize({ width: 360, height: 640 });
    await page.getByLabel('Attach files').setInputFiles(
      Array.from({ length: 20 }, (_, index) => ({
        name: `f${index}.txt`,
        mimeType: 'text/plain',
        buffer: Buffer.from(String(index)),
      })),
    );
    const tray = page.getByRole('list', { name: 'Attachments' });
    await expect.poll(() => tray.getByRole('listitem').count()).toBe(20);
    const field = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
    expect(field!.y).toBeGreaterThanOrEqual(0);
    expect(field!.y + field!.height).toBeLessThanOrEqual(640);
    expect((await tray.boundingBox())!.height).toBeLessThanOrEqual(640 / 4);
  });

  test('Escape closes the sidebar on a phone and gives the focus back to its button', async () => {
    const page = await suite.openPage({ width: 360 });
    await sendFromPage(page, 'hello');
    await page.getByRole('log', { name: 'Conversation' }).getByText('Noted.').waitFor();
    await page.getByRole('button', { name: 'Conversations' }).click();
    const sessions = page.getByRole('navigation', { name: 'Sessions' });
    const link = sessions.getByRole('link').first();
    await link.waitFor();
    // Escape in the rename field ends the rename only.
    await sessions
      .getByRole('button', { name: /^Rename / })
      .first()
      .click();
    await page.getByRole('textbox', { name: 'Conversation title' }).press('Escape');
    await expect.poll(() => focusedName(page)).toMatch(/^Rename /);
    expect(await link.isVisible()).toBe(true);
    await link.focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => link.isVisible()).toBe(false);
    await expect.poll(() => focusedName(page)).toBe('Conversations');
  });

  test('Escape closes the workspace drawer', async () => {
    const page = await suite.openPage({ width: 800 });
    await sendFromPage(page, 'hello');
    await page.getByRole('log', { name: 'Conversation' }).getByText('Noted.').waitFor();
    await page.getByRole('button', { name: 'Show workspace' }).click();
    const workspace = page.getByRole('region', { name: 'Workspace' });
    await workspace.waitFor();
    await workspace.getByRole('button', { name: 'Close workspace' }).focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => workspace.isVisible()).toBe(false);
    await expect.poll(() => focusedName(page)).toBe('Show workspace');
  });

  test('the todo panel is a group named "Todos"', async () => {
    const page = await suite.openPage();
    await sendFromPage(page, 'plan with todos');
    await page.getByRole('log', { name: 'Conversation' }).getByText('Done with that.').waitFor();
    const panel = page.getByRole('group', { name: 'Todos' });
    await expect.poll(() => panel.getByText('1/2 done').count()).toBe(1);
  });
});
