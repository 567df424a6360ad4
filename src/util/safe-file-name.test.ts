import { describe, expect, test } from 'vitest';
import { toSafeFileName } from './safe-file-name.ts';

describe('toSafeFileName', () => {
  test.each([
    ['report.pdf', 'report.pdf'],
    ['../../x', 'x'],
    ['a/b', 'b'],
    ['C:\\Users\\me\\notes.txt', 'notes.txt'],
    ['bad\u0000na\u0007me\r\n.txt', 'badname.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['  spaced out.md  ', 'spaced out.md'],
    ['..', 'file'],
    ['.', 'file'],
    ['dir/', 'file'],
    ['', 'file'],
    ['.env', '.env'],
    ['Grüße 世界.txt', 'Grüße 世界.txt'],
  ])('%j becomes %j', (raw, safe) => {
    expect(toSafeFileName(raw)).toBe(safe);
  });

  test('a long name is cut to 200 characters, keeping its extension', () => {
    const name = toSafeFileName(`${'a'.repeat(500)}.tar.gz`);
    expect(name).toHaveLength(200);
    expect(name.endsWith('a.gz')).toBe(true);
  });

  test('a long name of wide characters is cut to 240 bytes without splitting one', () => {
    const name = toSafeFileName(`${'世'.repeat(150)}.txt`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(240);
    expect(name).toBe(`${'世'.repeat(78)}.txt`);
  });
});
