import { describe, expect, test } from 'vitest';
import { decideUploadMediaType } from './upload-media-type.ts';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const text = Buffer.from('just some words, not a picture\n');
const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, ...new Array(40).fill(0)]);

describe('decideUploadMediaType', () => {
  test.each([
    ['text named x.png, declared image/png', 'image/png', 'x.png', text, 'application/octet-stream'],
    ['text named x.jpg, undeclared', null, 'x.jpg', text, 'application/octet-stream'],
    ['a PNG declared as text', 'text/plain', 'notes.txt', png, 'image/png'],
    ['a PNG declared as JPEG', 'image/jpeg', 'photo.jpg', png, 'image/png'],
    ['a real PNG', 'image/png', 'dot.png', png, 'image/png'],
    ['text declared text/plain', 'text/plain; charset=utf-8', 'a.txt', text, 'text/plain'],
    ['text undeclared, named .md', null, 'README.md', text, 'text/markdown'],
    ['text declared octet-stream, named .csv', 'application/octet-stream', 'a.csv', text, 'text/csv'],
    ['HTML declared as HTML', 'text/html', 'page.html', text, 'application/octet-stream'],
  ])('%s', async (_label, declared, filename, head, expected) => {
    expect(await decideUploadMediaType({ declared, filename, head })).toBe(expected);
  });

  test('bytes of a binary format are not text, whatever their name says', async () => {
    expect(await decideUploadMediaType({ declared: 'text/plain', filename: 'a.txt', head: zip })).not.toMatch(
      /^text\//,
    );
  });
});
