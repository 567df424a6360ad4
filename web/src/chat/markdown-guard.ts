import { parseMarkdownIntoBlocks } from 'streamdown';

/**
 * Which blocks of a reply are shown as plain text instead of Markdown. The parsers behind the
 * renderer recurse once per level of nesting and resolve emphasis in more than linear time, so a
 * reply of a few kilobytes (`>` two thousand times, `*a` ten thousand times) can overflow the
 * stack or hold the tab for seconds. The model's text is not ours to trust: it may repeat what a
 * web page told it. These limits sit far above what a real answer has, and a block over one is
 * still shown in full, only unformatted.
 */
export const markdownLimits = {
  /** A block (a paragraph, a list, a table) longer than this. Fenced code is checked apart. */
  blockChars: 20_000,
  /** A fenced code block longer than this; highlighting it is linear, only heavy. */
  codeChars: 200_000,
  /** Block quotes and list markers opening one line, one inside another. */
  containerDepth: 32,
  /** HTML elements open one inside another. */
  htmlDepth: 128,
  /** `*` and `~` in one block: each is a possible emphasis delimiter. */
  emphasisMarks: 2_000,
} as const;

const fence = /^ {0,3}(`{3,}|~{3,})/;
const containerMarkers = /^(?:[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))+/;
const htmlTag = /<(\/?)([a-zA-Z][\w-]*)[^<>]*?(\/?)>/g;
const voidElements = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);

/** Whether a block of Markdown (one of `splitBlocks`) is safe to hand to the renderer. */
export function renderableAsMarkdown(block: string): boolean {
  if (fence.test(block)) return block.length <= markdownLimits.codeChars;
  if (block.length > markdownLimits.blockChars) return false;
  return (
    containerDepth(block) <= markdownLimits.containerDepth &&
    htmlDepth(block) <= markdownLimits.htmlDepth &&
    emphasisMarks(block) <= markdownLimits.emphasisMarks
  );
}

/**
 * The reply split into blocks the way the renderer splits it. Where the splitter itself fails
 * (it recurses on nesting too), the whole text is one block, and `unsplittable` says so.
 */
export function splitBlocks(markdown: string): string[] {
  try {
    return parseMarkdownIntoBlocks(markdown);
  } catch {
    unsplittable.add(markdown);
    return [markdown];
  }
}

/** Texts the splitter failed on, so that their one block is shown as plain text. Kept small. */
const unsplittable = new (class extends Set<string> {
  override add(text: string): this {
    if (this.size >= 16) this.clear();
    return super.add(text);
  }
})();

export function failedToSplit(block: string): boolean {
  return unsplittable.has(block);
}

function containerDepth(block: string): number {
  let deepest = 0;
  for (const line of block.split('\n')) {
    const prefix = containerMarkers.exec(line)?.[0];
    if (!prefix) continue;
    const depth = prefix.match(/>|[-*+]|\d{1,9}[.)]/g)?.length ?? 0;
    if (depth > deepest) deepest = depth;
  }
  return deepest;
}

function htmlDepth(block: string): number {
  if (!block.includes('<')) return 0;
  let depth = 0;
  let deepest = 0;
  for (const [, closing, name, selfClosing] of block.matchAll(htmlTag)) {
    if (closing) depth = Math.max(0, depth - 1);
    else if (!selfClosing && !voidElements.has(name!.toLowerCase())) deepest = Math.max(deepest, ++depth);
  }
  return deepest;
}

function emphasisMarks(block: string): number {
  let count = 0;
  for (let index = 0; index < block.length; index++) {
    const code = block.charCodeAt(index);
    if (code === 42 || code === 126) count++;
  }
  return count;
}
