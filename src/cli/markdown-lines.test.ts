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

function render(markdown: string, options: { style?: Style; columns?: number } = {}): string {
  const lines = new MarkdownLines({
    style: options.style ?? tagged,
    styled: true,
    columns: () => options.columns ?? 80,
  });
  return [...markdown.split('\n').flatMap((line) => lines.render(line)), ...lines.flush()].join('\n');
}

const plain = createStyle({ color: false });

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

  test('a pipe table is laid out in columns, its cells rendered inline', () => {
    expect(
      render('| Tool | Use |\n| --- | --- |\n| `npm` | **install** \\| run |\nafter', { style: plain }),
    ).toBe(['Tool │ Use', '─────┼──────────────', 'npm  │ install | run', 'after'].join('\n'));
    const styled = render('| a | b |\n|---|---|\n| `x \\| y` | see [docs](https://x.y) |');
    expect(styled).toContain('<code>x | y</code>');
    expect(styled).toContain('see <u>docs</u> <dim>(https://x.y)</dim>');
    expect(styled).toContain('<b>a</b>');
  });

  test('lines with pipes that no delimiter row follows are printed as they would be without tables', () => {
    expect(render('Use a | b **here**\nnext line')).toBe('Use a | b <b>here</b>\nnext line');
    expect(render('a | b\nc | d\n| --- |')).toBe('a | b\nc | d\n<dim>| --- |</dim>');
    expect(render('- a | b\n| --- | --- |')).toBe('<a>•</a> a | b\n<dim>| --- | --- |</dim>');
    expect(render('a | b')).toBe('a | b');
  });

  test('a table ends at a blank line, a line without a pipe, another block, or the end of the text', () => {
    const table = '| a | b |\n|---|---|\n| 1 | 2 |';
    const laidOut = 'a │ b\n──┼──\n1 │ 2';
    const fence = '```';
    expect(render(`${table}\n\nafter`, { style: plain })).toBe(`${laidOut}\n\nafter`);
    expect(render(`${table}\nafter`, { style: plain })).toBe(`${laidOut}\nafter`);
    expect(render(`${table}\n- item | x`, { style: plain })).toBe(`${laidOut}\n• item | x`);
    expect(render(`${table}\n${fence}\nx | y\n${fence}`, { style: plain })).toBe(
      `${laidOut}\n  ┌── code\n  x | y\n  └──`,
    );
    expect(render(table, { style: plain })).toBe(laidOut);
    expect(render(`${table}\n| 3`, { style: plain })).toBe(`${laidOut}\n3 │`);
  });

  test('inside a code fence a pipe table is code', () => {
    expect(render('```\n| a | b |\n|---|---|\n```')).toBe(
      '<dim>  ┌── code</dim>\n  <code>| a | b |</code>\n  <code>|---|---|</code>\n<dim>  └──</dim>',
    );
  });

  test('a table is laid out to the width it is given, its cells wrapped to fit', () => {
    const source = '| a | b |\n|---|---|\n| one two three four | x |';
    expect(render(source, { style: plain, columns: 12 })).toBe(
      ['a        │ b', '─────────┼──', 'one two  │ x', 'three    │', 'four     │'].join('\n'),
    );
  });

  test('an escape sequence in a table cell never reaches the terminal', () => {
    const output = render('| a | b |\n|---|---|\n| x\x1b]0;TITLE\x07\x1b[2J | \x1b]52;c;cHduZWQ=\x07y |', {
      style: createStyle({ color: true }),
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the renderer's own style codes are removed.
    expect(output.replace(/\x1b\[[\d;]*m/g, '')).toBe('a │ b\n──┼──\nx │ y');
  });

  test('unstyled, a table is printed as its markdown source', () => {
    const lines = new MarkdownLines({ style: plain, styled: false });
    const source = ['| a | b |', '| :-- | --: |', '| `x \\| y` | 2 |', 'after'];
    expect(source.flatMap((line) => lines.render(line))).toEqual(source);
    expect(lines.flush()).toEqual([]);
  });

  test('unstyled, the markdown source is printed as it is, with control characters removed', () => {
    const lines = new MarkdownLines({ style: createStyle({ color: false }), styled: false });
    expect(lines.render('## **Title**\x1b[2J')).toEqual(['## **Title**']);
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

  test('a table is held back until it ends, then printed before the line that ended it', () => {
    const stream = new StreamingMarkdown(new MarkdownLines({ style: plain, styled: true }));
    expect(stream.push('Intro\n| a | b |\n')).toBe('Intro\n');
    expect(stream.push('Intro\n| a | b |\n|---|---|\n| 1 | 2 |\n')).toBe('');
    expect(stream.push('Intro\n| a | b |\n|---|---|\n| 1 | 2 |\nAfter\n| 3 | 4 |\n')).toBe(
      'a │ b\n──┼──\n1 │ 2\nAfter\n',
    );
    // The held line was no table's header: it comes out as it is when the text ends.
    expect(stream.finish()).toBe('| 3 | 4 |\n');
  });

  const reply = [
    'Here is the comparison | in short:',
    '| Option | Cost | Notes |',
    '| :-- | --: | :-: |',
    '| **fast** | 1 | uses `a \\| b` and more words to wrap |',
    '| slow | 22 |',
    'That was it.',
    '',
    'a | b',
    '| --- |',
    '```md',
    '| not | a table |',
    '|---|---|',
    '```',
    '- item | with pipe',
    '| x | y |',
    '|---|---|',
    '| 写入 | ✅ |',
  ].join('\n');

  test.each([
    { styled: true, style: createStyle({ color: true }) },
    { styled: true, style: tagged },
    { styled: false, style: plain },
  ])(
    'streamed in pieces of any size, a reply comes out as it does rendered at once (styled: $styled)',
    (options) => {
      const create = () => new StreamingMarkdown(new MarkdownLines({ ...options, columns: () => 30 }));
      const whole = create().finish(reply);
      if (!options.styled) expect(whole).toBe(`${reply}\n`);
      for (let seed = 1; seed <= 200; seed++) {
        const next = random(seed);
        const stream = create();
        let output = '';
        for (let cut = 0; cut < reply.length; cut += Math.floor(next() * 12)) {
          output += stream.push(reply.slice(0, cut));
        }
        output += stream.finish(reply);
        expect(output, `seed ${seed}`).toBe(whole);
      }
    },
  );
});

/** A seeded generator, so a failing split can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}
