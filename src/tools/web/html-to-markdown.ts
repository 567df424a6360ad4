import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import TurndownService from 'turndown';

/**
 * The readable part of an HTML page as Markdown: Readability picks the article, Turndown
 * writes it. Scripts, styles and forms never reach the model; a page Readability cannot
 * read falls back to its whole body.
 */
export function htmlToMarkdown(options: { html: string; url: string }): { title: string; markdown: string } {
  // Parsing alone took a minute for 300,000 nested tags: a page with that many is read as text.
  if (hasMoreTags(options.html, maxTags)) return textOfHtml(options.html);
  const { document } = parseHTML(options.html);
  for (const element of document.querySelectorAll('script, style, noscript, template, iframe, form')) {
    element.remove();
  }
  // Links the model can follow: relative ones are made absolute against the page's URL.
  for (const link of document.querySelectorAll('a[href]')) {
    const absolute = absoluteUrl({ href: link.getAttribute('href') ?? '', base: options.url });
    if (absolute) link.setAttribute('href', absolute);
    else link.removeAttribute('href');
  }
  const title = (document.title ?? '').trim();
  // Readability and Turndown take time that grows much faster than the page on deep or huge
  // documents (5,000 nested folders of 55 KB held the server's one thread for minutes): such a
  // page is given as its text.
  // The whole tree is measured: without <html> or <body> the parser makes the first element the
  // root, and the body is a new, empty one.
  if (!isOrdinary(document.documentElement)) {
    const root = document.body?.firstChild ? document.body : document.documentElement;
    return { title, markdown: (root?.textContent ?? '').replace(/\s+/g, ' ').trim() };
  }
  const body = document.body?.innerHTML ?? '';
  // Readability changes the document it reads, so the fallback body is taken first.
  const article = new Readability(document as unknown as Document, { charThreshold: 100 }).parse();
  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
  const markdown = turndown.turndown(article?.content ?? body).trim();
  return { title: article?.title?.trim() || title, markdown };
}

/** The most tags a page may have to be parsed at all. */
const maxTags = 30_000;
/** The most elements, and the deepest nesting, a page may have to be read as an article. */
const maxElements = 15_000;
const maxDepth = 150;

/** Whether the tree is small and shallow enough for Readability and Turndown (walked without recursion). */
function isOrdinary(root: Element | null | undefined): boolean {
  if (!root) return true;
  let elements = 0;
  const stack: { element: Element; depth: number }[] = [{ element: root, depth: 0 }];
  while (stack.length > 0) {
    const { element, depth } = stack.pop()!;
    elements += 1;
    if (elements > maxElements || depth > maxDepth) return false;
    for (let child = element.firstElementChild; child; child = child.nextElementSibling) {
      stack.push({ element: child, depth: depth + 1 });
    }
  }
  return true;
}

function hasMoreTags(html: string, limit: number): boolean {
  const tag = /<[a-zA-Z]/g;
  for (let count = 0; tag.exec(html); count++) if (count >= limit) return true;
  return false;
}

/** A page's text without a parser, in linear passes: scripts and styles dropped, tags made spaces. */
export function textOfHtml(html: string): { title: string; markdown: string } {
  // No pattern here scans past a `<` it did not start at, so a page of `<a<a<a…` stays linear.
  const title = decodeEntities(/<title[^<>]*>([^<]*)<\/title>/i.exec(html)?.[1] ?? '');
  const text = decodeEntities(
    withoutHiddenBlocks(html)
      .replace(/<[^<>]*>/g, ' ')
      .replace(/</g, ' '),
  );
  return { title, markdown: text };
}

/** The few entities text is full of, `&amp;` last so nothing is decoded twice; spaces collapsed. */
function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The HTML without its title, script, style, noscript and template blocks; one left open runs to
 * the end. Searched in the page itself, case-insensitively: a lower-cased copy can be longer (İ
 * becomes two characters), and its positions would cut the page in the wrong places.
 */
function withoutHiddenBlocks(html: string): string {
  const opening = /<(title|script|style|noscript|template)\b/gi;
  let kept = '';
  let from = 0;
  for (let match = opening.exec(html); match; match = opening.exec(html)) {
    kept += html.slice(from, match.index);
    const closing = new RegExp(`</${match[1]}`, 'gi');
    closing.lastIndex = opening.lastIndex;
    const close = closing.exec(html);
    if (!close) return kept;
    from = html.indexOf('>', close.index) + 1 || html.length;
    opening.lastIndex = from;
  }
  return kept + html.slice(from);
}

function absoluteUrl(options: { href: string; base: string }): string | null {
  try {
    const url = new URL(options.href, options.base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
