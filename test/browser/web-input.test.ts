import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { isTitleCall } from '../support/chat-rules.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createGate } from '../support/gate-tool.ts';
import { startTestServer } from '../support/test-server.ts';

const gate = createGate();
/** Conversations these tests find in the sidebar, each named after its first message. */
const titles = ['keep me', 'delete me later', 'delete me now'];
const brain = scriptedBrain([
  {
    when: isTitleCall,
    reply: (request) => textReply(titles.find((title) => request.allText.includes(title)) ?? 'A chat'),
  },
  { when: (request) => request.toolResults.length > 0, reply: textReply('Released and finished.') },
  { when: (request) => request.lastUserText.startsWith('hold'), reply: holdReply() },
  { when: () => true, reply: textReply('Noted.') },
]);

function holdReply() {
  return toolReply({ name: 'gate', input: { description: 'hold' }, text: 'Holding the turn.' });
}

const suite = browserSuite({
  server: () => startTestServer({ brain, extraTools: () => [gate.tool] }),
  afterEachTest: () => {
    gate.open();
    gate.rearm();
  },
});

/** What has the focus, by its accessible name; "nothing" when it fell back to the page. */
const focusedName = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return 'nothing';
    return element.getAttribute('aria-label') ?? element.textContent?.trim();
  });

/** A conversation with one finished turn, its title the text sent. */
async function startConversation(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).click();
  await sendFromPage(page, text);
  await page.getByRole('log', { name: 'Conversation' }).getByText('Noted.').waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor();
}

/** Drops one text file on `target` as a person dragging it from their desktop would. */
async function dropFile(page: Page, options: { target: string; name: string }): Promise<boolean> {
  return page.evaluate(({ target, name }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['dropped'], name, { type: 'text/plain' }));
    const element = document.querySelector(target);
    if (!element) throw new Error(`nothing matches ${target}`);
    element.dispatchEvent(
      new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
    );
    const drop = new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true });
    element.dispatchEvent(drop);
    return drop.defaultPrevented;
  }, options);
}

describe('web input', { timeout: 60_000 }, () => {
  test('double-clicking Send sends the message and does not stop the turn it started', async () => {
    const page = await suite.openPage();
    await startConversation(page, 'a conversation to go on with');
    await page.getByRole('textbox', { name: 'Message' }).fill('hold on, double-clicked');
    const box = await page.getByRole('button', { name: 'Send' }).boundingBox();
    if (!box) throw new Error('Send is not on the page');
    await page.mouse.move(box.x + box.width - 12, box.y + box.height / 2);
    // A double-click as the browser counts one; its second click lands on the Stop that took Send's place.
    await page.mouse.down({ clickCount: 1 });
    await page.mouse.up({ clickCount: 1 });
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });

    gate.open();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    const log = page.getByRole('log', { name: 'Conversation' });
    expect(await log.getByText('Stopped', { exact: true }).count()).toBe(0);
    expect(await log.getByText('Released and finished.').count()).toBe(1);
    await screenshot(page, 'double-click-send');
  });

  test('Escape that ends an input method composition does not stop the turn; Escape itself does', async () => {
    const page = await suite.openPage();
    await startConversation(page, 'a conversation with a turn to keep');
    await sendFromPage(page, 'hold while I type in Japanese');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('Holding the turn.').waitFor();
    const composer = page.getByRole('textbox', { name: 'Message' });
    // What Chromium and Firefox send for Escape while a composition is open; Safari sends keyCode 229.
    for (const init of [{ isComposing: true }, { keyCode: 229 }]) {
      await composer.evaluate((element, keyInit) => {
        element.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, ...keyInit }));
      }, init);
    }
    await page.waitForTimeout(500);
    expect(await log.getByText('Stopped', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(1);

    await composer.press('Escape');
    await log.getByText('Stopped', { exact: true }).waitFor();
  });

  test("after a new chat's first message the composer keeps the focus", async () => {
    const page = await suite.openPage();
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.click();
    await page.keyboard.type('first words');
    await page.keyboard.press('Enter');
    await page.getByRole('log', { name: 'Conversation' }).getByText('Noted.').waitFor();
    await expect.poll(() => focusedName(page)).toBe('Message');
    await page.keyboard.type('and more');
    expect(await composer.inputValue()).toBe('and more');
  });

  test('Escape or Cancel in the sidebar gives the focus back to the button that opened it', async () => {
    const page = await suite.openPage();
    await startConversation(page, 'keep me');
    const sessions = page.getByRole('navigation', { name: 'Sessions' });
    const rename = sessions.getByRole('button', { name: 'Rename keep me' });
    await rename.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('textbox', { name: 'Conversation title' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedName(page)).toBe('Rename keep me');

    const remove = sessions.getByRole('button', { name: 'Delete keep me' });
    await remove.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedName(page)).toBe('Delete keep me');

    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page)).toBe('Delete keep me');
    expect(await sessions.getByRole('link', { name: 'keep me' }).count()).toBe(1);
  });

  test('after a delete the focus goes to New chat, or to the composer when the open chat went', async () => {
    const page = await suite.openPage();
    await startConversation(page, 'delete me later');
    await startConversation(page, 'delete me now');
    const sessions = page.getByRole('navigation', { name: 'Sessions' });

    await sessions.getByRole('button', { name: 'Delete delete me later' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).press('Enter');
    await expect.poll(() => sessions.getByRole('link', { name: 'delete me later' }).count()).toBe(0);
    await expect.poll(() => focusedName(page)).toBe('New chat');

    await sessions.getByRole('button', { name: 'Delete delete me now' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).press('Enter');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    await expect.poll(() => focusedName(page)).toBe('Message');
  });

  test('a file dropped on the new-chat page joins the tray and goes with the first message', async () => {
    const page = await suite.openPage();
    await page.getByRole('log', { name: 'Conversation' }).waitFor();
    expect(await dropFile(page, { target: '[role="log"]', name: 'dropped-new.txt' })).toBe(true);
    const tray = page.getByRole('list', { name: 'Attachments' });
    await tray.getByText('dropped-new.txt').waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    await sendFromPage(page, 'with a dropped file');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('Noted.').waitFor();
    await log.getByRole('article').filter({ hasText: 'dropped-new.txt' }).first().waitFor();
  });

  test('a file dropped outside any drop zone does not replace the app', async () => {
    const page = await suite.openPage();
    await page.getByRole('navigation', { name: 'Sessions' }).waitFor();
    // The browser opens a dropped file in place of the page unless the drop is cancelled.
    expect(await dropFile(page, { target: 'nav[aria-label="Sessions"]', name: 'stray.txt' })).toBe(true);
    expect(await page.getByRole('list', { name: 'Attachments' }).count()).toBe(0);
  });
});
