import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSession, startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Like curl: writes the request with a `size`-byte body and a matching Content-Length to its end,
 * and only then reads the answer. Reports the answer, or the socket error that replaced it.
 */
function postLargeBody(options: {
  url: string;
  path: string;
  size: number;
  contentType: string;
}): Promise<{ status: number; body: string } | { error: string }> {
  const target = new URL(options.url);
  const chunk = Buffer.alloc(256 * 1024, 'a');
  return new Promise((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.write(
      `POST ${options.path} HTTP/1.1\r\nHost: ${target.host}\r\ncontent-type: ${options.contentType}\r\n` +
        `content-length: ${options.size}\r\n\r\n`,
    );
    let written = 0;
    const write = () => {
      while (written < options.size) {
        const piece = chunk.subarray(0, Math.min(chunk.length, options.size - written));
        written += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', write);
      }
      socket.write('', () => readAnswer());
    };
    const readAnswer = () => {
      const chunks: Buffer[] = [];
      socket.on('data', (data: Buffer) => chunks.push(data));
      socket.on('end', () => {
        const [head = '', ...rest] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), body: rest.join('\r\n\r\n') });
        socket.destroy();
      });
    };
    write();
  });
}

/** Sends raw bytes on a new connection and returns everything the server answers. */
function rawExchange(options: { url: string; bytes: string }): Promise<string> {
  const target = new URL(options.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    const chunks: Buffer[] = [];
    socket.on('data', (data) => chunks.push(data));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.write(options.bytes);
  });
}

describe('errors always arrive, always as JSON', () => {
  let server: TestServer;
  let sessionId: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTOPILOT_MAX_FILE_BYTES: '1000000' } });
    sessionId = await createSession(server);
  });
  afterAll(async () => server?.close());

  test.each([
    ['a JSON route', 'messages', 'application/json', 413, 'payload_too_large'],
    ['the upload route', 'files', 'multipart/form-data; boundary=x', 413, 'payload_too_large'],
    ['a JSON route with the wrong content type', 'messages', 'text/plain', 415, 'unsupported_media_type'],
  ] as const)(
    '%s: a 20–50 MB body is answered with its error, not a reset',
    async (_name, route, contentType, status, code) => {
      const path = route === 'files' ? '/api/files' : `/api/sessions/${sessionId}/messages`;
      for (const size of [20, 50].map((megabytes) => megabytes * 1024 * 1024)) {
        const result = await postLargeBody({ url: server.url, path, size, contentType });
        expect(result).toEqual({ status, body: expect.any(String) });
        if ('body' in result) expect(JSON.parse(result.body).error.code).toBe(code);
      }
      // The server is fine afterwards.
      expect((await server.api('/healthz')).status).toBe(200);
    },
    60_000,
  );

  test.each([
    ['a bad byte in the path', 'GET /api/ses\x01sions HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['an unknown method', 'FROB /api/sessions HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a header over the limit', `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['a URL over the limit', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: h\r\n\r\n`, 431],
  ])('%s gets the JSON error shape from the HTTP parser', async (_name, bytes, status) => {
    const answer = await rawExchange({ url: server.url, bytes });
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(body)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
