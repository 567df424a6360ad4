import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readDiskRoom } from '../../src/util/disk-floor.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { uploadFile, uploadFileId } from '../support/upload-file.ts';

const alice = 'alice-token-0123456789';
const bob = 'bob-token-0123456789ab';
const maxFileBytes = 1_000_000;

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('file uploads and downloads', () => {
  let server: TestServer;
  let aliceSession: string;
  let bobSession: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        AUTOPILOT_API_TOKENS: `alice:${alice},bob:${bob}`,
        AUTOPILOT_MAX_BODY_BYTES: '300000',
        AUTOPILOT_MAX_FILE_BYTES: String(maxFileBytes),
      },
    });
    aliceSession = await createSession(server, alice);
    bobSession = await createSession(server, bob);
  });
  afterAll(async () => server?.close());

  /** What is stored on disk: one file per upload, named by its generated key, nothing else. */
  async function storedBlobs(): Promise<string[]> {
    const names = await readdir(join(server.dataDir, 'files')).catch(() => []);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{32}$/);
    return names.sort();
  }

  async function expectError(response: Response, status: number, code: string): Promise<void> {
    expect(response.status).toBe(status);
    const body = await response.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
  }

  test('an upload larger than the JSON limit comes back byte for byte', async () => {
    // A PDF's signature first: random leading bytes now and then match another format's.
    const signature = Buffer.from('%PDF-1.7\n');
    const bytes = Buffer.concat([signature, randomBytes(maxFileBytes - 1 - signature.length)]);
    const response = await uploadFile(server, {
      bytes,
      name: 'scan.pdf',
      type: 'application/pdf',
      sessionId: aliceSession,
      token: alice,
    });

    expect(response.status).toBe(201);
    const file = await response.json();
    expect(file).toEqual({
      id: expect.any(String),
      name: 'scan.pdf',
      mediaType: 'application/pdf',
      size: bytes.length,
    });

    const download = await server.api(`/api/files/${file.id}`, { token: alice });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; .*filename\*=UTF-8''scan\.pdf/);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    const received = new Uint8Array(await download.arrayBuffer());
    expect(received.length).toBe(bytes.length);
    expect(sha256Of(received)).toBe(sha256Of(bytes));
  });

  test('JSON routes keep their own body limit', async () => {
    const response = await sendMessage(server, {
      sessionId: aliceSession,
      text: 'z'.repeat(400_000),
      token: alice,
    });
    await expectError(response, 413, 'payload_too_large');
  });

  test('a file without a session is its owner’s alone', async () => {
    const id = await uploadFileId(server, { bytes: 'mine', name: 'a.txt', type: 'text/plain', token: alice });

    expect(await (await server.api(`/api/files/${id}`, { token: alice })).text()).toBe('mine');
    await expectError(await server.api(`/api/files/${id}`, { token: bob }), 404, 'not_found');
    await expectError(await server.api('/api/files/no-such-file', { token: alice }), 404, 'not_found');
  });

  test('uploading for another user’s session, or a missing one, is 404 and keeps nothing', async () => {
    const before = await storedBlobs();

    for (const sessionId of [bobSession, 'no-such-session']) {
      const response = await uploadFile(server, { bytes: 'x', name: 'x.txt', sessionId, token: alice });
      await expectError(response, 404, 'not_found');
    }

    expect(await storedBlobs()).toEqual(before);
  });

  test('a file over the limit is 413 and leaves nothing behind, with or without a declared length', async () => {
    const before = await storedBlobs();
    const tooLarge = randomBytes(maxFileBytes + 1);

    await expectError(
      await uploadFile(server, { bytes: tooLarge, name: 'big.bin', token: alice }),
      413,
      'payload_too_large',
    );

    // Chunked, so the server only finds out while streaming the file to disk.
    const form = new Request('http://localhost/', { method: 'POST', body: formWith(tooLarge) });
    const streamed = await server.api('/api/files', {
      method: 'POST',
      token: alice,
      headers: { 'content-type': form.headers.get('content-type')! },
      body: form.body,
      duplex: 'half',
    } as RequestInit);
    await expectError(streamed, 413, 'payload_too_large');

    // Far beyond the limit by its declared length: refused before anything is read.
    const declared = await fetch(`${server.url}/api/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice}`,
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(maxFileBytes * 10),
      },
      body: new Uint8Array(maxFileBytes * 10),
    });
    await expectError(declared, 413, 'payload_too_large');

    expect(await storedBlobs()).toEqual(before);
    // The server still answers on fresh connections.
    expect((await server.api('/api/sessions', { token: alice })).status).toBe(200);
  });

  test.each([
    ['../../x', 'x'],
    ['a/b', 'b'],
    ['..\\..\\evil.txt', 'evil.txt'],
    ['badname\u202e.txt', 'badname.txt'],
    ['..', 'file'],
    [`${'n'.repeat(300)}.txt`, `${'n'.repeat(196)}.txt`],
  ])('the hostile name %j is stored as %j', async (name, safe) => {
    const response = await uploadFile(server, { bytes: 'x', name, token: alice });
    expect(response.status).toBe(201);
    const file = await response.json();
    expect(file.name).toBe(safe);

    const download = await server.api(`/api/files/${file.id}`, { token: alice });
    const disposition = download.headers.get('content-disposition') ?? '';
    expect(disposition).not.toMatch(/[/\\]/);
    expect([...disposition].filter((character) => character.charCodeAt(0) < 0x20)).toEqual([]);
    await storedBlobs();
  });

  test.each(['bad\u0001name.txt', 'bad\u007fname.txt'])(
    'a name with a control character (%j) breaks the part header: a clear 400, and nothing is stored',
    async (name) => {
      const before = await storedBlobs();
      await expectError(await uploadFile(server, { bytes: 'x', name, token: alice }), 400, 'bad_request');
      expect(await storedBlobs()).toEqual(before);
    },
  );

  test.each([
    ['text/html', 'application/octet-stream'],
    ['image/svg+xml', 'application/octet-stream'],
    ['', 'application/octet-stream'],
    ['text/plain; charset=utf-8', 'text/plain'],
    // The bytes are a script, not a picture: an image type needs image bytes.
    ['IMAGE/PNG', 'application/octet-stream'],
  ])('the declared media type %j is served as %j', async (type, served) => {
    const response = await uploadFile(server, {
      bytes: '<script>alert(1)</script>',
      name: 'page',
      type,
      token: alice,
    });
    const file = await response.json();
    expect(file.mediaType).toBe(served);
    const download = await server.api(`/api/files/${file.id}`, { token: alice });
    expect(download.headers.get('content-type')).toBe(served);
  });

  test('malformed uploads are 400 and keep nothing', async () => {
    const before = await storedBlobs();
    const post = (contentType: string, body: string) =>
      server.api('/api/files', {
        method: 'POST',
        token: alice,
        headers: { 'content-type': contentType },
        body,
      });

    await expectError(await post('application/json', '{"file":"x"}'), 400, 'bad_request');
    await expectError(await post('multipart/form-data', 'no boundary'), 400, 'bad_request');
    await expectError(
      await post(
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nnever closed',
      ),
      400,
      'bad_request',
    );
    await expectError(await post('multipart/form-data; boundary=x', 'garbage'), 400, 'bad_request');
    const noFile = new FormData();
    noFile.append('sessionId', aliceSession);
    await expectError(
      await server.api('/api/files', { method: 'POST', body: noFile, token: alice }),
      400,
      'bad_request',
    );
    const textOnly = new FormData();
    textOnly.append('file', 'just text, no file name');
    await expectError(
      await server.api('/api/files', { method: 'POST', body: textOnly, token: alice }),
      400,
      'bad_request',
    );

    expect(await storedBlobs()).toEqual(before);
  });

  test('uploads need a token', async () => {
    const response = await uploadFile(server, { bytes: 'x', name: 'x.txt' });
    await expectError(response, 401, 'unauthorized');
  });

  test('deleting a session deletes the files uploaded for it', async () => {
    const sessionId = await createSession(server, alice);
    const id = await uploadFileId(server, { bytes: 'gone soon', name: 'a.txt', sessionId, token: alice });
    const kept = await uploadFileId(server, { bytes: 'kept', name: 'b.txt', token: alice });
    const before = await storedBlobs();

    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE', token: alice })).status).toBe(
      204,
    );

    await expectError(await server.api(`/api/files/${id}`, { token: alice }), 404, 'not_found');
    expect(await (await server.api(`/api/files/${kept}`, { token: alice })).text()).toBe('kept');
    expect(await storedBlobs()).toHaveLength(before.length - 1);
  });
});

function formWith(bytes: Uint8Array): FormData {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(bytes)]), 'big.bin');
  return form;
}

describe('uploads on a nearly full disk', () => {
  let server: TestServer | undefined;
  afterAll(async () => server?.close());

  test('an upload that could take the disk below its floor is a 503 that stores nothing; chat goes on', async () => {
    const freeMb = Math.floor((await readDiskRoom(tmpdir())).bytes / 1024 ** 2);
    server = await startTestServer({ env: { AUTOPILOT_MIN_FREE_DISK_MB: String(freeMb + 1) } });
    const sessionId = await createSession(server);

    const response = await uploadFile(server, { bytes: 'a small file', name: 'notes.txt', sessionId });
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.error).toMatchObject({
      code: 'service_unavailable',
      message: expect.stringMatching(/disk is nearly full/),
    });
    expect(await readdir(join(server.dataDir, 'files')).catch(() => [])).toEqual([]);

    const answer = await sendMessage(server, { sessionId, text: 'hello' });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('"type":"finish"');
  });
});

describe('uploads under way at once', () => {
  let server: TestServer | undefined;
  afterAll(async () => server?.close());

  /** An upload whose body has begun and not ended: it holds its place until destroyed. */
  function heldUpload(url: string, token: string): Promise<ClientRequest> {
    const boundary = 'held-boundary';
    const request = httpRequest(`${url}/api/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });
    request.on('error', () => undefined);
    request.write(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="slow.txt"\r\ncontent-type: text/plain\r\n\r\nstart`,
    );
    return new Promise((resolve) => request.once('socket', () => setTimeout(() => resolve(request), 50)));
  }

  test('one user may have eight under way; a ninth is a 429, another user is not held back', async () => {
    server = await startTestServer({ env: { AUTOPILOT_API_TOKENS: `alice:${alice},bob:${bob}` } });
    const held = await Promise.all(Array.from({ length: 8 }, () => heldUpload(server!.url, alice)));
    try {
      await expect
        .poll(async () => (await uploadFile(server!, { bytes: 'ninth', name: 'n.txt', token: alice })).status)
        .toBe(429);
      const refused = await uploadFile(server, { bytes: 'ninth', name: 'n.txt', token: alice });
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await refused.json()).error.code).toBe('rate_limited');
      expect((await uploadFile(server, { bytes: 'bob', name: 'b.txt', token: bob })).status).toBe(201);
    } finally {
      for (const request of held) request.destroy();
    }
    // The held uploads end with their connections: their places are free again.
    await expect
      .poll(async () => (await uploadFile(server!, { bytes: 'later', name: 'l.txt', token: alice })).status)
      .toBe(201);
  });
});
