import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { endQuietlyWhenOutputCloses } from './closed-output.ts';

function failedWrite(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code, syscall: 'write' });
}

test('a closed terminal (EIO) or reader (EPIPE) ends the process with the signal’s code; other errors still throw', () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const exits: number[] = [];
  endQuietlyWhenOutputCloses([stdout, stderr], (code) => exits.push(code));

  stdout.emit('error', failedWrite('EIO'));
  stderr.emit('error', failedWrite('EPIPE'));
  expect(exits).toEqual([129, 141]);

  expect(() => stdout.emit('error', failedWrite('ENOSPC'))).toThrow('write ENOSPC');
  expect(exits).toEqual([129, 141]);
});
