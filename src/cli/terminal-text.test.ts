import { describe, expect, test } from 'vitest';
import { displayWidth, fitColumns, oneLine, sanitizeForTerminal, truncate } from './terminal-text.ts';

describe('sanitizeForTerminal', () => {
  test('removes whole escape sequences: CSI, OSC (title, clipboard), DCS, 8-bit CSI', () => {
    expect(sanitizeForTerminal('a\x1b[2Jb\x1b[38;5;1mc')).toBe('abc');
    expect(sanitizeForTerminal('a\x1b]52;c;ZXZpbA==\x07b\x1b]0;title\x1b\\c')).toBe('abc');
    expect(sanitizeForTerminal('a\x1bP1$r\x1b\\b\x9b2Jc\x1b7d')).toBe('abcd');
  });

  test('keeps newlines, tabs and every printable character; drops other controls', () => {
    expect(sanitizeForTerminal('line\r\nnext\tcol\rover\b\x07\x00 ü 👋 你好')).toBe(
      'line\nnext\tcolover ü 👋 你好',
    );
  });

  test('oneLine and truncate', () => {
    expect(oneLine('  a\n\tb  ')).toBe('a b');
    expect(truncate({ text: 'abcdef', max: 4 })).toBe('abc…');
    expect(truncate({ text: '👋👋👋', max: 3 })).toBe('👋👋👋');
  });
});

describe('what reorders or hides text', () => {
  test('bidirectional overrides, isolates and zero-width spaces are removed; joiners in emoji stay', () => {
    expect(sanitizeForTerminal('report\u202efdp.exe')).toBe('reportfdp.exe');
    expect(sanitizeForTerminal('a\u2066b\u2069c\u200bd\ufeffe')).toBe('abcde');
    expect(sanitizeForTerminal('one\u2028two')).toBe('one\ntwo');
    expect(sanitizeForTerminal('👩\u200d💻')).toBe('👩\u200d💻');
  });
});

describe('fitColumns', () => {
  test('counts wide characters as two columns and keeps within the width, ellipsis included', () => {
    expect(fitColumns({ text: '写入文件写入文件', columns: 8 })).toBe('写入文…');
    expect(fitColumns({ text: 'abcdef', columns: 6 })).toBe('abcdef');
    expect(fitColumns({ text: 'abcdefg', columns: 6 })).toBe('abcde…');
    expect(fitColumns({ text: 'abc', columns: 0 })).toBe('');
    // Emoji below U+1F300 are drawn two wide too; arrows and check marks without emoji style are not.
    expect(fitColumns({ text: '✅⭐⏳⌛☕❌', columns: 8 })).toBe('✅⭐⏳…');
    expect(fitColumns({ text: '✓→•★☐ab', columns: 8 })).toBe('✓→•★☐ab');
    // U+FE0F asks for the emoji form, which is drawn two wide: ❤️ ☀️ ✔️ take four columns each pair.
    expect(fitColumns({ text: '❤️☀️✔️ab', columns: 6 })).toBe('❤️☀️…');
    expect(displayWidth('❤️ok')).toBe(4);
    // After a character that is wide already, it adds nothing.
    expect(displayWidth('⭐\ufe0f')).toBe(2);
  });
});
