import type { TestServer } from './test-server.ts';

/** `POST /api/files` with a multipart form, as a browser's FormData sends it. */
export function uploadFile(
  server: TestServer,
  options: { bytes: Uint8Array | string; name: string; type?: string; sessionId?: string; token?: string },
): Promise<Response> {
  const form = new FormData();
  if (options.sessionId !== undefined) form.append('sessionId', options.sessionId);
  const bytes = Buffer.from(options.bytes);
  form.append('file', new Blob([bytes], { type: options.type ?? '' }), options.name);
  return server.api('/api/files', { method: 'POST', body: form, token: options.token });
}

/** Uploads and returns the new file's id; fails the test on anything but 201. */
export async function uploadFileId(
  server: TestServer,
  options: Parameters<typeof uploadFile>[1],
): Promise<string> {
  const response = await uploadFile(server, options);
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}
