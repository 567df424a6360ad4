import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DiskFileBlobs } from '../store/disk/disk-file-blobs.ts';
import { receiveUpload } from './receive-upload.ts';

let root: string;
let blobs: DiskFileBlobs;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'autopilot-upload-'));
  blobs = new DiskFileBlobs({ root: join(root, 'files'), maxBytes: 100_000 });
});
afterEach(async () => rm(root, { recursive: true, force: true }));

/** Everything in blob storage, temporary files included. */
const storedFiles = () => readdir(join(root, 'files')).catch(() => []);

/** A body as the platform's FormData encoder writes it, with its content type. */
async function encode(form: FormData): Promise<{ bytes: Uint8Array; contentType: string }> {
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    bytes: new Uint8Array(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}

/** Sends `bytes` in chunks; with `stallAfter`, sends that many bytes and then nothing, never ending. */
function streamOf(options: {
  bytes: Uint8Array;
  chunkSize: number;
  stallAfter?: number;
}): ReadableStream<Uint8Array> {
  let offset = 0;
  const end = options.stallAfter ?? options.bytes.length;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= end) {
        if (options.stallAfter === undefined) controller.close();
        else await new Promise(() => undefined);
        return;
      }
      controller.enqueue(options.bytes.slice(offset, Math.min(end, offset + options.chunkSize)));
      offset += options.chunkSize;
    },
  });
}

async function receive(options: {
  bytes: Uint8Array | string;
  contentType: string;
  chunkSize?: number;
  maxBodyBytes?: number;
  stallAfter?: number;
  stallMs?: number;
}) {
  const bytes = typeof options.bytes === 'string' ? new TextEncoder().encode(options.bytes) : options.bytes;
  const upload = await receiveUpload({
    body: streamOf({ bytes, chunkSize: options.chunkSize ?? 64 * 1024, stallAfter: options.stallAfter }),
    contentType: options.contentType,
    blobs,
    maxBodyBytes: options.maxBodyBytes ?? 1_000_000,
    stallMs: options.stallMs ?? 5_000,
  });
  const content = await readFile(join(root, 'files', upload.blob.storageKey), 'utf8');
  return { filename: upload.filename, contentType: upload.contentType, sessionId: upload.sessionId, content };
}

const handWritten = (lines: string[]) => ({
  bytes: lines.join('\r\n'),
  contentType: 'multipart/form-data; boundary=b1',
});

describe('receiveUpload', () => {
  const tricky = `line one\r\n--not the boundary\r\n\r\n--${'-'.repeat(30)}\r\nend`;

  test.each([1, 7, 64 * 1024])(
    'fields and the file come out as sent, in chunks of %i bytes',
    async (size) => {
      const form = new FormData();
      form.append('sessionId', 'session-1');
      form.append('other', new Blob(['skipped']), 'other.bin');
      form.append('file', new Blob([tricky], { type: 'text/plain' }), 'Grüße "quoted".txt');
      const { bytes, contentType } = await encode(form);

      expect(await receive({ bytes, contentType, chunkSize: size })).toEqual({
        filename: 'Grüße "quoted".txt',
        contentType: 'text/plain',
        sessionId: 'session-1',
        content: tricky,
      });
      expect(await storedFiles()).toHaveLength(1);
    },
  );

  test('escaped and extended parameters: a backslash-escaped quote, and filename* over filename', async () => {
    const escaped = await receive(
      handWritten([
        '--b1',
        'Content-Disposition: form-data; name="file"; filename="say \\"hi\\".txt"',
        '',
        'one',
        '--b1--',
      ]),
    );
    expect(escaped.filename).toBe('say "hi".txt');

    const extended = await receive(
      handWritten([
        '--b1',
        `Content-Disposition: form-data; name="file"; filename="plain.txt"; filename*=UTF-8''%E4%B8%96.txt`,
        '',
        'two',
        '--b1--',
      ]),
    );
    expect(extended).toMatchObject({ filename: '世.txt', content: 'two' });
  });

  test('repeated parameters and fields: one answer, never a mix; a second file is refused', async () => {
    const repeated = await receive(
      handWritten([
        '--b1',
        'Content-Disposition: form-data; name="sessionId"',
        '',
        'first',
        '--b1',
        'Content-Disposition: form-data; name="sessionId"',
        '',
        'second',
        '--b1',
        'Content-Disposition: form-data; name="file"; filename="a.txt"; filename="b.txt"',
        '',
        'content',
        '--b1--',
      ]),
    );
    expect(['a.txt', 'b.txt']).toContain(repeated.filename);
    expect(['first', 'second']).toContain(repeated.sessionId);

    const before = await storedFiles();
    const twoFiles = handWritten([
      '--b1',
      'Content-Disposition: form-data; name="file"; filename="a.txt"',
      '',
      'one',
      '--b1',
      'Content-Disposition: form-data; name="file"; filename="b.txt"',
      '',
      'two',
      '--b1--',
    ]);
    await expect(receive(twoFiles)).rejects.toMatchObject({
      status: 400,
      message: 'Send one file per request.',
    });
    expect(await storedFiles()).toEqual(before);
  });

  test('transport padding after a boundary, a preamble and an epilogue are allowed', async () => {
    const padded = await receive(
      handWritten([
        'a preamble to ignore',
        '--b1 \t ',
        'Content-Disposition: form-data; name="file"; filename="pad.txt"',
        '',
        'padded',
        '--b1--  ',
        'an epilogue to ignore',
      ]),
    );
    expect(padded).toMatchObject({ filename: 'pad.txt', content: 'padded' });
  });

  test.each([
    [
      'no closing boundary',
      ['--b1', 'Content-Disposition: form-data; name="file"; filename="a"', '', 'value'],
    ],
    ['no file field', ['--b1', 'Content-Disposition: form-data; name="sessionId"', '', 'x', '--b1--']],
    [
      'a file field without a file name',
      ['--b1', 'Content-Disposition: form-data; name="file"', '', 'x', '--b1--'],
    ],
    [
      'an over-long field',
      ['--b1', 'Content-Disposition: form-data; name="sessionId"', '', 'x'.repeat(5000), '--b1--'],
    ],
    [
      'too many parts',
      [
        ...Array.from({ length: 25 }, () => [
          '--b1',
          'Content-Disposition: form-data; name="x"',
          '',
          'y',
        ]).flat(),
        '--b1--',
      ],
    ],
  ])('%s is a 400 and keeps nothing', async (_name, lines) => {
    await expect(receive({ ...handWritten(lines), chunkSize: 3 })).rejects.toMatchObject({
      code: 'bad_request',
      status: 400,
    });
    expect(await storedFiles()).toEqual([]);
  });

  test.each([undefined, 'application/json', 'multipart/form-data', 'multipart/mixed; boundary=x'])(
    'content type %s is a 400',
    async (contentType) => {
      await expect(
        receiveUpload({
          body: streamOf({ bytes: new Uint8Array(1), chunkSize: 1 }),
          contentType,
          blobs,
          maxBodyBytes: 10,
          stallMs: 1000,
        }),
      ).rejects.toMatchObject({ status: 400 });
    },
  );

  test('a body over maxBodyBytes is 413 while streaming, and keeps nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x'.repeat(50_000)]), 'big.txt');
    const { bytes, contentType } = await encode(form);

    await expect(receive({ bytes, contentType, chunkSize: 100, maxBodyBytes: 20_000 })).rejects.toMatchObject(
      {
        code: 'payload_too_large',
        status: 413,
      },
    );
    expect(await storedFiles()).toEqual([]);
  });

  test('an upload that stalls in the middle of the file times out and keeps nothing, not even a partial file', async () => {
    const form = new FormData();
    form.append('file', new Blob(['y'.repeat(20_000)]), 'slow.txt');
    const { bytes, contentType } = await encode(form);

    await expect(
      receive({ bytes, contentType, chunkSize: 1000, stallAfter: 10_000, stallMs: 200 }),
    ).rejects.toMatchObject({ code: 'request_timeout', status: 408 });
    expect(await storedFiles()).toEqual([]);
  });
});
