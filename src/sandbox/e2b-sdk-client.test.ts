import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type FakeE2bApi, startFakeE2bApi } from '../../test/support/fake-e2b-api.ts';
import { createLogger } from '../util/logger.ts';
import { describeSandboxConformance } from './conformance/sandbox-conformance.ts';
import { E2bSandboxGoneError } from './e2b-client.ts';
import { E2bSandbox } from './e2b-sandbox.ts';
import { E2bSdkClient } from './e2b-sdk-client.ts';

/**
 * The adapter and the real `e2b` package together, against a loopback fake of E2B's HTTP API
 * and sandbox daemon (reached through the SDK's `apiUrl` and `sandboxUrl`). What E2B itself
 * does (isolation, snapshots) is out of reach here; what we send it, and how we read its
 * answers, is not.
 */
const makeClient = (api: FakeE2bApi) =>
  new E2bSdkClient({
    apiKey: 'e2b_test_key',
    lifetimeMs: 600_000,
    internet: false,
    endpoints: { apiUrl: api.url, sandboxUrl: api.url },
  });

describeSandboxConformance(
  'E2bSandbox over the e2b SDK (loopback fake E2B API)',
  async ({ maxOutputBytes }) => {
    const api = await startFakeE2bApi();
    return {
      sandbox: new E2bSandbox({
        client: makeClient(api),
        logger: createLogger({ level: 'silent' }),
        maxOutputBytes,
      }),
      cleanup: () => api.close(),
    };
  },
);

describe('E2bSdkClient', () => {
  let api: FakeE2bApi;
  beforeEach(async () => {
    api = await startFakeE2bApi();
  });
  afterEach(async () => {
    await api.close();
  });

  test('creates with our metadata, a lifetime that kills, no internet and the key; connect renews the lifetime', async () => {
    const client = makeClient(api);
    const remote = await client.create({ metadata: { autopilotSession: 's1' } });
    await client.connect(remote.sandboxId);

    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v2/sandboxes',
      apiKey: 'e2b_test_key',
      body: {
        templateID: 'base',
        metadata: { autopilotSession: 's1' },
        timeout: 600,
        allow_internet_access: false,
        autoPause: false,
      },
    });
    expect(api.requests[1]).toMatchObject({
      method: 'POST',
      path: `/v2/sandboxes/${remote.sandboxId}/connect`,
      body: { timeout: 600 },
    });
  });

  test('pause, list by metadata, kill; a killed sandbox is gone, and killing it again is no error', async () => {
    const client = makeClient(api);
    const remote = await client.create({ metadata: { autopilotSession: 's1' } });
    await client.create({ metadata: { autopilotSession: 's2' } });

    await client.pause(remote.sandboxId);
    await client.pause(remote.sandboxId);
    expect(await client.list({ metadata: { autopilotSession: 's1' } })).toEqual([
      { sandboxId: remote.sandboxId, state: 'paused' },
    ]);
    await client.kill(remote.sandboxId);
    await client.kill(remote.sandboxId);
    expect(api.sandboxes.get(remote.sandboxId)?.state).toBe('killed');
    expect(await client.list({ metadata: { autopilotSession: 's1' } })).toEqual([]);
    await expect(client.connect(remote.sandboxId)).rejects.toBeInstanceOf(E2bSandboxGoneError);
    await expect(client.pause(remote.sandboxId)).rejects.toBeInstanceOf(E2bSandboxGoneError);
  });

  test('files go in and come back as bytes; listing is relative, and links are neither files nor folders', async () => {
    const remote = await makeClient(api).create({ metadata: {} });
    const bytes = Buffer.from([0, 1, 2, 255, 0x0a]);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    await remote.writeFile({ path: '/home/user/workspace/bin/data.bin', data: bytes });
    const run = await remote.run({
      command: 'ln -s /etc/passwd link; printf é; printf err >&2; exit 3',
      cwd: '/home/user/workspace',
      timeoutMs: 10_000,
      signal: new AbortController().signal,
      onStdout: (chunk) => stdout.push(chunk),
      onStderr: (chunk) => stderr.push(chunk),
    });

    expect(run).toEqual({ exitCode: 3, timedOut: false, aborted: false });
    expect(Buffer.concat(stdout).toString('utf8')).toBe('é');
    expect(Buffer.concat(stderr).toString('utf8')).toBe('err');
    expect(await remote.readFile('/home/user/workspace/bin/data.bin')).toEqual(bytes);
    const listed = await remote.listFiles('/home/user/workspace');
    expect(listed.find((file) => file.path === 'bin/data.bin')).toMatchObject({ size: 5 });
    expect(listed.every((file) => file.modifiedMs > 0)).toBe(true);
    expect(
      listed.map(({ path, type }) => ({ path, type })).sort((a, b) => a.path.localeCompare(b.path)),
    ).toEqual([
      { path: 'bin', type: 'dir' },
      { path: 'bin/data.bin', type: 'file' },
      { path: 'link', type: 'other' },
    ]);
    await remote.removeFile('/home/user/workspace/bin/data.bin');
    await remote.removeFile('/home/user/workspace/bin/data.bin');
    expect((await remote.listFiles('/home/user/workspace')).map((file) => file.path).sort()).toEqual([
      'bin',
      'link',
    ]);
  });
});
