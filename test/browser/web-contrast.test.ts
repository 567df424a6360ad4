import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { errorReply, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { slowTool } from '../support/slow-tool.ts';
import { startTestServer } from '../support/test-server.ts';

/** WCAG 2.1 AA: text, and the 3:1 asked of focus rings (and wanted of disabled labels, which AA exempts). */
const text = 4.5;
const graphic = 3;

const reply = [
  'See [the docs](https://example.com/docs).',
  '```ts\n// a comment\nexport function greet(name: string) {\n  return "Hello, " + name; // why\n}\n```',
  'Done.',
].join('\n\n');

const brain = scriptedBrain([
  {
    when: (request) => request.lastUserText === 'show me' && request.toolResults.length === 0,
    reply: toolReply({
      name: 'write_file',
      input: { path: 'notes.md', content: '# Notes\n' },
      text: 'Writing.',
    }),
  },
  { when: (request) => request.lastUserText === 'show me', reply: textReply(reply) },
  {
    when: (request) => request.lastUserText === 'wait' && request.toolResults.length === 0,
    reply: toolReply({ name: 'slow_tool', input: { ms: 20_000 } }),
  },
  {
    when: (request) => request.lastUserText === 'fail',
    reply: errorReply({
      status: 400,
      errorType: 'invalid_request_error',
      message: 'The request was refused',
    }),
  },
]);

const suite = browserSuite({ server: () => startTestServer({ brain, extraTools: () => [slowTool] }) });

type Rgba = [number, number, number, number];
interface Painted {
  /** The colour measured, then every element's background and opacity from <html> down to it. */
  colour: string;
  layers: { background: string; opacity: number }[];
}

function parseColour(value: string): Rgba {
  const rgb = value.match(/^rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:[,/] ?([\d.]+))?\)$/);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), rgb[4] === undefined ? 1 : Number(rgb[4])];
  // What `color-mix()` computes to.
  const srgb = value.match(/^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/);
  if (srgb) {
    const [, red, green, blue, alpha] = srgb.map(Number) as number[];
    return [red! * 255, green! * 255, blue! * 255, Number.isNaN(alpha) ? 1 : alpha!];
  }
  throw new Error(`a colour this test cannot read: ${value}`);
}

const over = (top: Rgba, below: Rgba): Rgba => [
  top[0] * top[3] + below[0] * (1 - top[3]),
  top[1] * top[3] + below[1] * (1 - top[3]),
  top[2] * top[3] + below[2] * (1 - top[3]),
  1,
];
const fade = (below: Rgba, above: Rgba, opacity: number): Rgba =>
  over([...above.slice(0, 3), opacity] as Rgba, below);

/**
 * What the screen shows at the measured colour and right beside it: the backgrounds painted one
 * over another, each element's opacity fading all it paints (so a faded button fades its label too).
 */
function paint(painted: Painted, withColour: boolean): Rgba {
  const { layers } = painted;
  if (!layers.some((layer) => parseColour(layer.background)[3] === 1))
    throw new Error('no opaque background');
  const paintFrom = (index: number, below: Rgba): Rgba => {
    const layer = layers[index];
    if (!layer) return withColour ? over(parseColour(painted.colour), below) : below;
    return fade(below, paintFrom(index + 1, over(parseColour(layer.background), below)), layer.opacity);
  };
  return paintFrom(0, [255, 255, 255, 1]);
}

function luminance(colour: Rgba): number {
  const [red, green, blue] = colour.slice(0, 3).map((channel) => {
    const value = channel / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

function contrastBetween(first: Rgba, second: Rgba): number {
  const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return Math.round(((lighter + 0.05) / (darker + 0.05)) * 100) / 100;
}

/** The painted colours of `what` (text colour, or outline colour) on each element `locator` matches. */
function paintedAll(locator: Locator, what: { pseudo?: '::placeholder'; outline?: boolean } = {}) {
  return locator.evaluateAll(
    (elements, what) =>
      elements.map((element) => {
        const style = getComputedStyle(element, what.pseudo);
        const layers: { background: string; opacity: number }[] = [];
        for (let node: Element | null = element; node; node = node.parentElement) {
          const nodeStyle = getComputedStyle(node);
          // A ring is drawn outside its element: over the parent's background, not the element's.
          const background =
            what.outline && node === element ? 'rgba(0, 0, 0, 0)' : nodeStyle.backgroundColor;
          layers.unshift({ background, opacity: Number(nodeStyle.opacity) });
        }
        return { colour: what.outline ? style.outlineColor : style.color, layers };
      }),
    what,
  );
}

/** The lowest contrast of `what` on any element `locator` matches (at least one must). */
async function contrastOf(locator: Locator, what: { pseudo?: '::placeholder'; outline?: boolean } = {}) {
  const all = await paintedAll(locator, what);
  expect(all.length).toBeGreaterThan(0);
  return Math.min(...all.map((painted) => contrastBetween(paint(painted, true), paint(painted, false))));
}

/** The colour a button is filled with, as painted over what is behind it. */
async function fillOf(locator: Locator): Promise<Rgba> {
  const [painted] = await paintedAll(locator);
  return paint(painted!, false);
}

async function measure(page: Page) {
  const composer = page.getByRole('textbox', { name: 'Message' });
  const send = page.getByRole('button', { name: 'Send' });
  const log = page.getByRole('log', { name: 'Conversation' });
  await composer.waitFor();
  const disabledSend = await contrastOf(send);
  const disabledFill = await fillOf(send);
  const placeholder = await contrastOf(composer, { pseudo: '::placeholder' });
  await composer.fill('show me');
  const enabledSend = await contrastOf(send);
  const enabledFill = await fillOf(send);
  // Reached by keyboard, as the people who need the ring reach it.
  await composer.focus();
  await page.keyboard.press('Tab');
  expect(await send.evaluate((element) => element === document.activeElement)).toBe(true);
  const sendFocusRing = await contrastOf(send, { outline: true });
  await send.click();
  await log.getByText('Done.').waitFor();
  await log.locator('.usage-line').waitFor();
  // Highlighting has come in: plain code has no coloured tokens to measure.
  const tokens = log.locator('[data-streamdown="code-block-body"] code span span');
  await expect.poll(() => tokens.count()).toBeGreaterThan(8);
  const results = {
    disabledSend,
    sendFillsApart: contrastBetween(disabledFill, enabledFill),
    placeholder,
    enabledSend,
    sendFocusRing,
    link: await contrastOf(log.getByRole('link', { name: 'the docs' })),
    codeTokens: await contrastOf(tokens),
    usageLine: await contrastOf(log.locator('.usage-line')),
    sessionUsage: await contrastOf(page.locator('.session-usage')),
    toolRow: await contrastOf(log.getByRole('group', { name: 'Wrote notes.md' }).locator('summary')),
  };

  await sendFromPage(page, 'wait');
  const stop = page.getByRole('button', { name: 'Stop' });
  await log.getByRole('group', { name: /^Running slow_tool/ }).waitFor();
  const running = {
    stop: await contrastOf(stop),
    disabledQueue: await contrastOf(page.getByRole('button', { name: 'Queue' })),
  };
  // Escape, not a click: a click this soon where Send was is taken for the rest of a double-click.
  await composer.press('Escape');
  await log.getByText('Stopped', { exact: true }).waitFor();
  const stopped = await contrastOf(log.locator('.system-line.stopped'));

  await sendFromPage(page, 'fail');
  const errorCard = log.getByRole('alert');
  await errorCard.waitFor();
  return { ...results, ...running, stopped, errorCard: await contrastOf(errorCard.locator('p')) };
}

describe('colour contrast (WCAG 2.1 AA)', { timeout: 90_000 }, () => {
  test.each(['light', 'dark'] as const)('in the %s colour scheme', async (colorScheme) => {
    const page = await suite.openPage();
    await page.emulateMedia({ colorScheme });
    const results = await measure(page);
    await screenshot(page, `contrast-${colorScheme}`);
    const below = (minimum: number, names: (keyof typeof results)[]) =>
      names.filter((name) => results[name] < minimum).map((name) => `${name} ${results[name]}`);
    // Each figure that falls short, by name; the message carries them all.
    expect(
      [
        ...below(text, [
          'enabledSend',
          'placeholder',
          'link',
          'codeTokens',
          'usageLine',
          'sessionUsage',
          'toolRow',
          'stop',
          'stopped',
          'errorCard',
        ]),
        // Disabled labels are still read; a disabled Send is a different fill, not a paler blue.
        ...below(graphic, ['disabledSend', 'disabledQueue', 'sendFocusRing', 'sendFillsApart']),
      ],
      JSON.stringify(results),
    ).toEqual([]);
  });
});
