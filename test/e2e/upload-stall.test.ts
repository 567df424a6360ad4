import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('an upload that stalls', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTOPILOT_UPLOAD_STALL_MS: '300' } });
  });
  afterAll(async () => server?.close());

  test('times out with a JSON 408 and leaves nothing behind', async () => {
    const target = new URL(server.url);
    const head = [
      '--b1',
      'Content-Disposition: form-data; name="file"; filename="slow.bin"',
      'Content-Type: application/octet-stream',
      '',
      'x'.repeat(50_000),
    ].join('\r\n');
    // Declares much more than it sends, then sends nothing more and keeps the connection open.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: target.hostname, port: Number(target.port) });
      const chunks: Buffer[] = [];
      socket.on('data', (data) => chunks.push(data));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
      socket.write(
        `POST /api/files HTTP/1.1\r\nHost: ${target.host}\r\ncontent-type: multipart/form-data; boundary=b1\r\n` +
          `content-length: 200000\r\n\r\n${head}`,
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_timeout');
    expect(await readdir(join(server.dataDir, 'files')).catch(() => [])).toEqual([]);
    expect((await server.api('/healthz')).status).toBe(200);
  });
});
