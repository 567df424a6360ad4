import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { LinePastes, withPastesCollected } from './bracketed-paste.ts';

/** What readline would read after `chunks` arrive one read at a time. */
async function collected(chunks: (string | Buffer)[], pastes = new LinePastes()): Promise<string> {
  const input = new PassThrough();
  const output = withPastesCollected({ input, pastes });
  let text = '';
  output.on('data', (piece: string) => {
    text += piece;
  });
  for (const chunk of chunks) {
    input.write(chunk);
    await sleep(1);
  }
  input.end();
  await new Promise((resolve) => output.on('end', resolve));
  return text;
}

describe('bracketed paste', () => {
  test('a paste of several lines is one placeholder, which the entered line expands', async () => {
    const pastes = new LinePastes();
    const text = await collected(
      ['fix this: \x1b[200~Error: boom\r\n  at a.js:1\r\n  at b.js:2\r\n\x1b[201~\r'],
      pastes,
    );

    expect(text).toBe('fix this: [pasted text #1: 3 lines]\r');
    expect(pastes.expand('fix this: [pasted text #1: 3 lines]')).toEqual({
      text: 'fix this: Error: boom\n  at a.js:1\n  at b.js:2',
      repaired: null,
    });
    // Kept after its line is entered: the line recalled from the history (Up) sends the paste again.
    expect(pastes.expand('again: [pasted text #1: 3 lines]').text).toBe(
      'again: Error: boom\n  at a.js:1\n  at b.js:2',
    );
  });

  test('a placeholder cut into while editing comes back whole, never sent broken', () => {
    const pastes = new LinePastes();
    for (let paste = 1; paste <= 12; paste++) pastes.add(`paste ${paste}\nline two`);
    const whole = '[pasted text #2: 2 lines]';
    const pasted = 'paste 2\nline two';
    for (const [line, repaired, text] of [
      // A Backspace at its end; three; one in the middle; typing on after the damage.
      ['see [pasted text #2: 2 lines', `see ${whole}`, `see ${pasted}`],
      ['see [pasted text #2: 2 li', `see ${whole}`, `see ${pasted}`],
      ['see [pasted text #2: 2 lnes] now', `see ${whole} now`, `see ${pasted} now`],
      ['[pasted text #2: 2 lines and more', `${whole} and more`, `${pasted} and more`],
      ['[pasted text #2', whole, pasted],
    ]) {
      expect(pastes.expand(line!), line).toEqual({ text, repaired });
    }
    // #1 is not damaged by a whole #12, nor a typed line without placeholders.
    expect(pastes.expand('[pasted text #12: 2 lines]')).toEqual({
      text: 'paste 12\nline two',
      repaired: null,
    });
    expect(pastes.expand('[pasted text #99: 2 lines] is just text')).toEqual({
      text: '[pasted text #99: 2 lines] is just text',
      repaired: null,
    });
  });

  test('markers and characters split across reads are put together', async () => {
    const pastes = new LinePastes();
    const euro = Buffer.from('€');
    const text = await collected(
      [
        'a\x1b[2',
        '00~one\r',
        Buffer.concat([Buffer.from('tw'), euro.subarray(0, 1)]),
        euro.subarray(1),
        '\x1b[20',
        '1~b',
      ],
      pastes,
    );

    expect(text).toBe('a[pasted text #1: 2 lines]b');
    expect(pastes.expand(text).text).toBe('aone\ntw€b');
  });

  test('a one-line paste goes in as typed, without its line end and without control characters', async () => {
    expect(await collected(['\x1b[200~ls -la\x03\x1b[31m\n\x1b[201~'])).toBe('ls -la[31m');
  });

  test('typed keys, arrows and a lone Escape pass through unchanged', async () => {
    expect(await collected(['hi\x1b[A', '\x1b', 'x\r'])).toBe('hi\x1b[A\x1bx\r');
    // An Escape that could begin a marker is passed on soon, not held until the next key.
    const input = new PassThrough();
    const output = withPastesCollected({ input, pastes: new LinePastes() });
    let text = '';
    output.on('data', (piece: string) => {
      text += piece;
    });
    input.write('\x1b[');
    await sleep(150);
    expect(text).toBe('\x1b[');
  });

  test('a message put back with several lines becomes a placeholder again', () => {
    const pastes = new LinePastes();
    const line = pastes.add('first\nsecond');
    expect(line).toBe('[pasted text #1: 2 lines]');
    expect(pastes.expand(`${line}!`).text).toBe('first\nsecond!');
  });
});
