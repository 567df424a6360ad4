import { type ChildProcess, spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A loopback fake of E2B's wire protocols, for the `e2b` package itself to talk to: the REST
 * control plane (`/v2/sandboxes`, pause, kill, list) and a sandbox's daemon (`/files`, and the
 * Connect-protocol `filesystem.Filesystem` and `process.Process` services, JSON encoded). Each
 * sandbox's filesystem is a host folder and commands run there with `sh`: it checks our adapter
 * and the SDK against the protocol, not E2B's isolation.
 */
export interface FakeE2bApi {
  url: string;
  /** Every control-plane request: method, path and JSON body. */
  requests: { method: string; path: string; body: unknown; apiKey: string | undefined }[];
  sandboxes: Map<string, FakeApiSandbox>;
  close(): Promise<void>;
}

export interface FakeApiSandbox {
  state: 'running' | 'paused' | 'killed';
  metadata: Record<string, string>;
  root: string;
}

export async function startFakeE2bApi(): Promise<FakeE2bApi> {
  const base = await mkdtemp(join(tmpdir(), 'autopilot-fake-e2b-api-'));
  const sandboxes = new Map<string, FakeApiSandbox>();
  const processes = new Map<number, ChildProcess>();
  const requests: FakeE2bApi['requests'] = [];
  let next = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const raw = await readBody(request);
    const path = url.pathname;
    const sandboxHeader = request.headers['e2b-sandbox-id'];
    if (typeof sandboxHeader === 'string') {
      const sandbox = sandboxes.get(sandboxHeader);
      if (sandbox?.state !== 'running') return sendJson(response, 502, { message: 'sandbox not running' });
      return handleDaemon({ sandbox, path, url, raw, request, response, processes });
    }
    const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
    const apiKey = request.headers['x-api-key'];
    requests.push({
      method: request.method ?? '',
      path,
      body,
      apiKey: typeof apiKey === 'string' ? apiKey : undefined,
    });
    const info = (id: string) => ({
      sandboxID: id,
      templateID: 'base',
      clientID: 'fake',
      envdVersion: '0.6.4',
      envdAccessToken: `token-${id}`,
      domain: null,
    });
    if (request.method === 'POST' && path === '/v2/sandboxes') {
      const id = `sbx${++next}`;
      const root = join(base, id);
      await mkdir(root);
      sandboxes.set(id, {
        state: 'running',
        metadata: (body?.metadata as Record<string, string>) ?? {},
        root,
      });
      return sendJson(response, 201, info(id));
    }
    if (request.method === 'GET' && path === '/v2/sandboxes') {
      const wanted = Object.fromEntries(
        [...new URLSearchParams(url.searchParams.get('metadata') ?? '')].map(([key, value]) => [
          decodeURIComponent(key),
          decodeURIComponent(value),
        ]),
      );
      const listed = [...sandboxes]
        .filter(([, sandbox]) => sandbox.state !== 'killed')
        .filter(([, sandbox]) =>
          Object.entries(wanted).every(([key, value]) => sandbox.metadata[key] === value),
        )
        .map(([id, sandbox]) => ({
          ...info(id),
          metadata: sandbox.metadata,
          state: sandbox.state,
          startedAt: new Date().toISOString(),
          endAt: new Date().toISOString(),
          cpuCount: 2,
          memoryMB: 512,
        }));
      return sendJson(response, 200, listed);
    }
    const match = /^(?:\/v2)?\/sandboxes\/([^/]+)(?:\/(connect|pause))?$/.exec(path);
    const id = match?.[1] ?? '';
    const sandbox = sandboxes.get(id);
    if (!match || !sandbox || sandbox.state === 'killed') {
      return sendJson(response, 404, { code: 404, message: `sandbox ${id} not found` });
    }
    if (request.method === 'POST' && match[2] === 'connect') {
      sandbox.state = 'running';
      return sendJson(response, 200, info(id));
    }
    if (request.method === 'POST' && match[2] === 'pause') {
      if (sandbox.state === 'paused')
        return sendJson(response, 409, { code: 409, message: 'already paused' });
      sandbox.state = 'paused';
      response.writeHead(204).end();
      return;
    }
    if (request.method === 'DELETE' && !match[2]) {
      sandbox.state = 'killed';
      response.writeHead(204).end();
      return;
    }
    return sendJson(response, 404, { code: 404, message: 'no such route' });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { code: 500, message: String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sandboxes,
    async close() {
      for (const child of processes.values()) if (child.pid) process.kill(-child.pid, 'SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The sandbox daemon: files over REST, the rest over Connect (unary JSON, and enveloped streams). */
async function handleDaemon(options: {
  sandbox: FakeApiSandbox;
  path: string;
  url: URL;
  raw: Buffer;
  request: IncomingMessage;
  response: ServerResponse;
  processes: Map<number, ChildProcess>;
}): Promise<void> {
  const { sandbox, path, url, raw, request, response } = options;
  const local = (remote: string) => join(sandbox.root, remote);
  if (path === '/files' && request.method === 'POST') {
    const form = await new Response(new Uint8Array(raw), {
      headers: { 'content-type': request.headers['content-type'] ?? '' },
    }).formData();
    const file = form.get('file');
    const target = url.searchParams.get('path') ?? '';
    if (!(file instanceof Blob)) return sendJson(response, 400, { code: 400, message: 'no file' });
    await mkdir(dirname(local(target)), { recursive: true });
    await writeFile(local(target), new Uint8Array(await file.arrayBuffer()));
    return sendJson(response, 200, [{ name: target.split('/').at(-1), type: 'file', path: target }]);
  }
  if (path === '/files' && request.method === 'GET') {
    const bytes = await readFile(local(url.searchParams.get('path') ?? '')).catch(() => null);
    if (!bytes) return sendJson(response, 404, { code: 404, message: 'file not found' });
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    return;
  }
  if (path === '/filesystem.Filesystem/MakeDir') {
    const { path: folder } = JSON.parse(raw.toString('utf8')) as { path: string };
    await mkdir(local(folder), { recursive: true });
    return sendJson(response, 200, {
      entry: { name: folder.split('/').at(-1), type: 'FILE_TYPE_DIRECTORY', path: folder },
    });
  }
  if (path === '/filesystem.Filesystem/ListDir') {
    const { path: folder, depth } = JSON.parse(raw.toString('utf8')) as { path: string; depth: number };
    return sendJson(response, 200, { entries: await listEntries({ root: sandbox.root, folder, depth }) });
  }
  if (path === '/filesystem.Filesystem/Remove') {
    const { path: target } = JSON.parse(raw.toString('utf8')) as { path: string };
    const removed = await rm(local(target)).then(
      () => true,
      () => false,
    );
    if (!removed) return sendJson(response, 404, { code: 'not_found', message: `${target} not found` });
    return sendJson(response, 200, {});
  }
  if (path === '/process.Process/SendSignal') {
    const { process: selector } = JSON.parse(raw.toString('utf8')) as { process: { pid: number } };
    const child = options.processes.get(selector.pid);
    if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    return sendJson(response, 200, {});
  }
  if (path === '/process.Process/Start') {
    const started = JSON.parse(readEnvelopes(raw)[0] ?? '{}') as {
      process: { args: string[]; cwd?: string };
    };
    // The SDK sends `/bin/bash -l -c <command>`: the command is the last argument.
    const command = started.process.args.at(-1) ?? '';
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: local(started.process.cwd ?? '/'),
      detached: true,
      env: { PATH: '/usr/bin:/bin' },
    });
    response.writeHead(200, { 'content-type': 'application/connect+json' });
    child.on('spawn', () => {
      if (child.pid) options.processes.set(child.pid, child);
      response.write(envelope({ event: { start: { pid: child.pid } } }));
    });
    child.stdout.on('data', (chunk: Buffer) =>
      response.write(envelope({ event: { data: { stdout: chunk.toString('base64') } } })),
    );
    child.stderr.on('data', (chunk: Buffer) =>
      response.write(envelope({ event: { data: { stderr: chunk.toString('base64') } } })),
    );
    child.on('close', (code, signal) => {
      if (child.pid) options.processes.delete(child.pid);
      const exitCode = code ?? -1;
      response.write(
        envelope({
          event: {
            end: {
              exitCode,
              exited: code !== null,
              status: signal ? `signal: ${signal}` : `exit status ${exitCode}`,
            },
          },
        }),
      );
      response.end(envelope({}, 2));
    });
    return;
  }
  return sendJson(response, 404, { code: 'not_found', message: `no ${path}` });
}

/** ListDir's entries: absolute remote paths, proto enum names, as the daemon answers. */
async function listEntries(options: { root: string; folder: string; depth: number }): Promise<unknown[]> {
  const entries: unknown[] = [];
  const walk = async (remote: string, level: number): Promise<void> => {
    for (const name of await readdir(join(options.root, remote)).catch(() => [])) {
      const path = `${remote}/${name}`;
      const info = await lstat(join(options.root, path));
      const type = info.isFile()
        ? 'FILE_TYPE_FILE'
        : info.isDirectory()
          ? 'FILE_TYPE_DIRECTORY'
          : 'FILE_TYPE_SYMLINK';
      entries.push({
        modifiedTime: info.mtime.toISOString(),
        name,
        type,
        path,
        size: String(info.size),
        mode: info.mode,
        permissions: '',
        owner: 'user',
        group: 'user',
      });
      if (info.isDirectory() && level < options.depth) await walk(path, level + 1);
    }
  };
  await walk(options.folder.replace(/\/+$/, ''), 1);
  return entries;
}

function envelope(message: unknown, flags = 0): Buffer {
  const payload = Buffer.from(JSON.stringify(message));
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

function readEnvelopes(raw: Buffer): string[] {
  const messages: string[] = [];
  for (let offset = 0; offset + 5 <= raw.length; ) {
    const length = raw.readUInt32BE(offset + 1);
    messages.push(raw.subarray(offset + 5, offset + 5 + length).toString('utf8'));
    offset += 5 + length;
  }
  return messages;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
