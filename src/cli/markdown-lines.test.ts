import { describe, expect, test } from 'vitest';
import { MarkdownLines, StreamingMarkdown } from './markdown-lines.ts';
import { createStyle, type Style } from './terminal-text.ts';

/** A style that shows where each style applies, so expectations read without escape codes. */
const tagged: Style = {
  bold: (text) => `<b>${text}</b>`,
  dim: (text) => `<dim>${text}</dim>`,
  italic: (text) => `<i>${text}</i>`,
  underline: (text) => `<u>${text}</u>`,
  strike: (text) => `<s>${text}</s>`,
  code: (text) => `<code>${text}</code>`,
  heading: (text) => `<h>${text}</h>`,
  success: (text) => `<ok>${text}</ok>`,
  failure: (text) => `<fail>${text}</fail>`,
  accent: (text) => `<a>${text}</a>`,
};

function render(markdown: string): string {
  const lines = new MarkdownLines({ style: tagged, styled: true });
  return markdown
    .split('\n')
    .map((line) => lines.render(line))
    .join('\n');
}

describe('MarkdownLines', () => {
  test('headings, emphasis, inline code and links', () => {
    expect(render('## A *fine* heading ##')).toBe('<h>A <i>fine</i> heading</h>');
    expect(render('Some **bold**, _italic_, ~~gone~~ and `a_b*c*`.')).toBe(
      'Some <b>bold</b>, <i>italic</i>, <s>gone</s> and <code>a_b*c*</code>.',
    );
    expect(render('See [the docs](https://example.com/a_b_c) or https://x.y')).toBe(
      'See <u>the docs</u> <dim>(https://example.com/a_b_c)</dim> or https://x.y',
    );
    expect(render('![a cat](cat.png)')).toBe('<dim>[image: a cat]</dim>');
  });

  test('backslash escapes show their character and are never delimiters; emphasis may enclose code and links', () => {
    expect(render('\\*not italic\\* and C:\\Users\\me\\*.txt')).toBe('*not italic* and C:\\Users\\me*.txt');
    expect(render('a \\`tick\\` and \\_under\\_ and a \\ alone')).toBe('a `tick` and _under_ and a \\ alone');
    expect(render('**Run `npm test` first** and *see [the docs](https://x.y)*')).toBe(
      '<b>Run <code>npm test</code> first</b> and <i>see <u>the docs</u> <dim>(https://x.y)</dim></i>',
    );
    // Inside a code span nothing is an escape or a delimiter.
    expect(render('`a\\*b* **c**`')).toBe('<code>a\\*b* **c**</code>');
    // Characters the renderer uses to set parts aside are not taken from the text.
    expect(render('x\uE0000\uE001 `y`')).toBe('x\uFFFD0\uFFFD <code>y</code>');
  });

  test('words with underscores or lone asterisks are not emphasis', () => {
    expect(render('snake_case_name and 2 * 3 * 4')).toBe('snake_case_name and 2 * 3 * 4');
  });

  test('lists, task lists, quotes and rules', () => {
    expect(render('- one\n  * two\n1. first\n- [ ] todo\n- [x] done')).toBe(
      '<a>•</a> one\n  <a>•</a> two\n<a>1.</a> first\n☐ todo\n<ok>☑</ok> done',
    );
    expect(render('> quoted **text**')).toBe('<dim>│</dim> <i>quoted <b>text</b></i>');
    expect(render('---')).toBe(`<dim>${'─'.repeat(40)}</dim>`);
  });

  test('code blocks keep their text as it is, markdown inside included, until the fence closes', () => {
    expect(render('```ts\nconst a = **b**;\n# not a heading\n```\n# heading')).toBe(
      '<dim>  ┌── ts</dim>\n  <code>const a = **b**;</code>\n  <code># not a heading</code>\n<dim>  └──</dim>\n<h>heading</h>',
    );
    expect(render('~~~\n```\n~~~')).toBe('<dim>  ┌── code</dim>\n  <code>```</code>\n<dim>  └──</dim>');
  });

  test('unstyled, the markdown source is printed as it is, with control characters removed', () => {
    const lines = new MarkdownLines({ style: createStyle({ color: false }), styled: false });
    expect(lines.render('## **Title**\x1b[2J')).toBe('## **Title**');
  });
});

describe('StreamingMarkdown', () => {
  test('renders each line once it is complete, and the rest at the end', () => {
    const stream = new StreamingMarkdown(new MarkdownLines({ style: tagged, styled: true }));
    expect(stream.push('# Ti')).toBe('');
    expect(stream.push('# Title\n- a **b')).toBe('<h>Title</h>\n');
    expect(stream.push('# Title\n- a **b** c\n- d\n')).toBe('<a>•</a> a <b>b</b> c\n<a>•</a> d\n');
    expect(stream.push('# Title\n- a **b** c\n- d\nlast')).toBe('');
    expect(stream.finish()).toBe('last\n');
    expect(stream.finish()).toBe('');
  });
});
