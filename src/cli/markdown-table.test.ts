import { describe, expect, test } from 'vitest';
import { MarkdownTable } from './markdown-table.ts';
import { createStyle, displayWidth, type Style } from './terminal-text.ts';

const plain = createStyle({ color: false });
const ansi = createStyle({ color: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: style codes are what is removed.
const withoutStyles = (line: string) => line.replace(/\x1b\[[\d;]*m/g, '');

function layOut(
  source: string,
  options: { columns?: number; style?: Style; inline?: (markdown: string) => string } = {},
): string[] {
  const [header = '', delimiter = '', ...rows] = source.split('\n');
  const table = MarkdownTable.start({ header, delimiter });
  if (!table) throw new Error(`no table starts with ${header}`);
  for (const row of rows) expect(table.add(row)).toBe(true);
  return table.render({
    style: options.style ?? plain,
    columns: options.columns ?? 80,
    inline: options.inline ?? ((markdown) => markdown),
  });
}

describe('MarkdownTable', () => {
  test('a header row and a delimiter row with as many cells start a table', () => {
    expect(MarkdownTable.isHeader('a | b')).toBe(true);
    expect(MarkdownTable.isHeader('| one |')).toBe(true);
    expect(MarkdownTable.isHeader('no pipe here')).toBe(false);
    expect(MarkdownTable.isHeader('an escaped \\| pipe')).toBe(false);
    expect(MarkdownTable.isHeader('| --- | :-: |')).toBe(false);
    expect(MarkdownTable.start({ header: 'a | b', delimiter: '-|:-:' })).not.toBeNull();
    expect(MarkdownTable.start({ header: 'a | b', delimiter: '| --- |' })).toBeNull();
    expect(MarkdownTable.start({ header: 'a | b', delimiter: '| --- | x |' })).toBeNull();
  });

  test('columns line up and are aligned as the delimiter row says, under a rule below the header', () => {
    expect(
      layOut('| Name | Size | Kind |\n| :--- | ---: | :--: |\n| a | 1 | x |\n| longer name | 12345 | yz |'),
    ).toEqual([
      'Name        │  Size │ Kind',
      '────────────┼───────┼─────',
      'a           │     1 │  x',
      'longer name │ 12345 │  yz',
    ]);
  });

  test('a pipe escaped with a backslash is text in its cell; other escapes are left for inline rendering', () => {
    expect(layOut('a \\| b | c\n--- | ---\n`x \\| y` | \\*z\\*')).toEqual([
      'a | b   │ c',
      '────────┼──────',
      '`x | y` │ \\*z\\*',
    ]);
  });

  test('a short row gets empty cells, and cells beyond the header join the last: no text is lost', () => {
    expect(layOut('| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 | 3 | 4 |')).toEqual([
      'a │ b │ c',
      '──┼───┼──────',
      '1 │   │',
      '1 │ 2 │ 3 | 4',
    ]);
    // A pipe a model left unescaped in a code span.
    expect(layOut('| command | what |\n|---|---|\n| `ls | wc -l` | counts |')).toEqual([
      'command │ what',
      '────────┼────────────────',
      '`ls     │ wc -l` | counts',
    ]);
  });

  test('an emoji made wide by U+FE0F is two columns when a cell wraps', () => {
    const lines = layOut(`| build | checks |\n|---|---|\n| main | ${Array(12).fill('✔️').join(' ')} |`, {
      columns: 20,
    });
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(20);
  });

  test('a table of 150,000 rows is laid out (a spread of them would overflow the stack)', () => {
    const rows = Array.from({ length: 150_000 }, (_, index) => `| ${index} |`).join('\n');
    const lines = layOut(`| n |\n|---|\n${rows}`);
    expect(lines).toHaveLength(150_002);
    expect(lines.at(-1)).toBe('149999');
  });

  test('wide characters take two columns, style codes none', () => {
    expect(layOut('| 名前 | n |\n|---|--:|\n| ab | 1 |\n| ✅ | 2 |')).toEqual([
      '名前 │ n',
      '─────┼──',
      'ab   │ 1',
      '✅   │ 2',
    ]);
    const styled = layOut('| head | n |\n|---|---|\n| bold | 1 |', { style: ansi, inline: ansi.bold });
    expect(styled.map(withoutStyles)).toEqual(['head │ n', '─────┼──', 'bold │ 1']);
    // The header is bold, the borders dim.
    expect(styled[0]).toBe(
      '\x1b[1m\x1b[1mhead\x1b[22m\x1b[22m\x1b[2m │ \x1b[22m\x1b[1m\x1b[1mn\x1b[22m\x1b[22m',
    );
    expect(styled[1]).toBe(`\x1b[2m${'─'.repeat(5)}┼${'─'.repeat(2)}\x1b[22m`);
  });

  test('a table wider than the terminal narrows its widest columns and wraps their cells, never past the width', () => {
    const source = [
      '| Step | What happens | Status |',
      '| --- | --- | :-: |',
      '| 1 | The server reads the configuration and checks every value at once | done |',
      '| 2 | Supercalifragilisticexpialidocious | ok |',
    ].join('\n');
    const lines = layOut(source, { columns: 32 });
    expect(lines).toEqual([
      'Step │ What happens     │ Status',
      '─────┼──────────────────┼───────',
      '1    │ The server reads │  done',
      '     │ the              │',
      '     │ configuration    │',
      '     │ and checks every │',
      '     │ value at once    │',
      '2    │ Supercalifragili │   ok',
      '     │ sticexpialidocio │',
      '     │ us               │',
    ]);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(32);
  });

  test('a style open where a cell wraps is closed at the end of the line and opened again on the next', () => {
    const lines = layOut('| a | b |\n|---|---|\n| x | one **two three** four |', {
      style: ansi,
      columns: 13,
      inline: (markdown) => markdown.replace(/\*\*(.+?)\*\*/g, (_, text) => ansi.bold(text)),
    });
    const cells = lines.slice(2).map((line) => line.split(ansi.dim(' │ '))[1]);
    expect(cells).toEqual(['one \x1b[1mtwo\x1b[22m', '\x1b[1mthree\x1b[22m', 'four']);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(13);
  });

  test('a table too wide for columns at all is shown row by row, each cell under its header', () => {
    const header = Array.from({ length: 8 }, (_, index) => `column ${index}`);
    const row = header.map((_, index) => `a long value in column ${index}`);
    const source = [header, header.map(() => '---'), row, row]
      .map((cells) => `| ${cells.join(' | ')} |`)
      .join('\n');
    const lines = layOut(source, { columns: 40 });
    expect(lines.slice(0, 9)).toEqual([
      'column 0: a long value in column 0',
      'column 1: a long value in column 1',
      'column 2: a long value in column 2',
      'column 3: a long value in column 3',
      'column 4: a long value in column 4',
      'column 5: a long value in column 5',
      'column 6: a long value in column 6',
      'column 7: a long value in column 7',
      '─'.repeat(40),
    ]);
    expect(lines).toHaveLength(17);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(40);
  });
});
