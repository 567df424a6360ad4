import { describe, expect, test } from 'vitest';
import { type MultipartPart, multipartBoundaryOf, readMultipart } from './read-multipart.ts';

/** A body as the platform's FormData encoder writes it, with its boundary. */
async function encode(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  const boundary = multipartBoundaryOf(request.headers.get('content-type') ?? undefined);
  return { bytes: new Uint8Array(await request.arrayBuffer()), boundary };
}

function streamOf(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

type ReadPart = Omit<MultipartPart, 'content'> & { text: string };

async function readAll(options: {
  bytes: Uint8Array | string;
  boundary: string;
  chunkSize?: number;
  maxBytes?: number;
}): Promise<ReadPart[]> {
  const bytes = typeof options.bytes === 'string' ? new TextEncoder().encode(options.bytes) : options.bytes;
  const parts: ReadPart[] = [];
  for await (const part of readMultipart({
    body: streamOf(bytes, options.chunkSize ?? 64 * 1024),
    boundary: options.boundary,
    maxBytes: options.maxBytes ?? 1024 * 1024,
  })) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of part.content) chunks.push(chunk);
    parts.push({
      name: part.name,
      filename: part.filename,
      contentType: part.contentType,
      text: Buffer.concat(chunks).toString('utf8'),
    });
  }
  return parts;
}

describe('readMultipart', () => {
  const tricky = `line one\r\n--not the boundary\r\n\r\n--${'-'.repeat(30)}\r\nend`;

  test.each([1, 7, 64 * 1024])(
    'fields and files come out as sent, read in chunks of %i bytes',
    async (size) => {
      const form = new FormData();
      form.append('sessionId', 'session-1');
      form.append('file', new Blob([tricky], { type: 'text/plain' }), 'Grüße "quoted".txt');
      form.append('empty', new Blob([]), 'empty.bin');
      const { bytes, boundary } = await encode(form);

      expect(await readAll({ bytes, boundary, chunkSize: size })).toEqual([
        { name: 'sessionId', filename: null, contentType: null, text: 'session-1' },
        { name: 'file', filename: 'Grüße "quoted".txt', contentType: 'text/plain', text: tricky },
        { name: 'empty', filename: 'empty.bin', contentType: 'application/octet-stream', text: '' },
      ]);
    },
  );

  test('unread parts are skipped, and filename* wins over filename', async () => {
    const body = [
      'preamble to ignore',
      '--b1',
      'Content-Disposition: form-data; name="skipped"; filename="a.txt"',
      '',
      'never read',
      '--b1',
      `Content-Disposition: form-data; name="file"; filename="plain.txt"; filename*=UTF-8''%E4%B8%96.txt`,
      '',
      'kept',
      '--b1--',
      'epilogue',
    ].join('\r\n');
    const names: (string | null)[] = [];
    for await (const part of readMultipart({
      body: streamOf(Buffer.from(body), 5),
      boundary: 'b1',
      maxBytes: 1e6,
    })) {
      names.push(part.filename);
    }
    expect(names).toEqual(['a.txt', '世.txt']);
  });

  test.each([
    ['no boundary at all', 'just some text'],
    ['no closing boundary', '--b1\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'],
    ['a part without Content-Disposition', '--b1\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--b1--'],
    ['a part without a field name', '--b1\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b1--'],
    ['garbage after a boundary', '--b1xx\r\n'],
    ['endless headers', `--b1\r\nContent-Disposition: form-data; name="a"; x="${'y'.repeat(20_000)}"`],
  ])('%s is a 400', async (_name, body) => {
    await expect(readAll({ bytes: body, boundary: 'b1', chunkSize: 3 })).rejects.toMatchObject({
      code: 'bad_request',
      status: 400,
    });
  });

  test('a body over maxBytes is payload_too_large', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x'.repeat(5_000)]), 'big.txt');
    const { bytes, boundary } = await encode(form);

    await expect(readAll({ bytes, boundary, chunkSize: 100, maxBytes: 4_000 })).rejects.toMatchObject({
      code: 'payload_too_large',
      status: 413,
    });
  });
});

describe('multipartBoundaryOf', () => {
  test('reads plain and quoted boundaries', () => {
    expect(multipartBoundaryOf('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(multipartBoundaryOf('Multipart/Form-Data; charset=utf-8; boundary="a b c"')).toBe('a b c');
  });

  test.each([undefined, 'application/json', 'multipart/form-data', 'multipart/mixed; boundary=x'])(
    '%s is a 400',
    (contentType) => {
      expect(() => multipartBoundaryOf(contentType)).toThrow(expect.objectContaining({ status: 400 }));
    },
  );
});
