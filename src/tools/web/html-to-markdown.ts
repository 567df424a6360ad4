import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import TurndownService from 'turndown';

/**
 * The readable part of an HTML page as Markdown: Readability picks the article, Turndown
 * writes it. Scripts, styles and forms never reach the model; a page Readability cannot
 * read falls back to its whole body.
 */
export function htmlToMarkdown(options: { html: string; url: string }): { title: string; markdown: string } {
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
  const body = document.body?.innerHTML ?? '';
  // Readability changes the document it reads, so the fallback body is taken first.
  const article = new Readability(document as unknown as Document, { charThreshold: 100 }).parse();
  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
  const markdown = turndown.turndown(article?.content ?? body).trim();
  return { title: article?.title?.trim() || title, markdown };
}

function absoluteUrl(options: { href: string; base: string }): string | null {
  try {
    const url = new URL(options.href, options.base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}
