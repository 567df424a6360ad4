import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../util/logger.ts';
import { describeSandboxConformance } from './conformance/sandbox-conformance.ts';
import type { E2bClient, E2bRemote, E2bRemoteFile } from './e2b-client.ts';
import { E2bSandbox } from './e2b-sandbox.ts';

/**
 * A hand-written E2B: each "remote sandbox" is a folder standing for its filesystem, and commands
 * run in it with `sh` (no network isolation: the fake checks our protocol, not E2B's walls).
 * It records the lifecycle calls.
 */
class FakeE2bClient implements E2bClient {
  readonly calls: string[] = [];
  readonly #remotes = new Map<string, FakeRemote>();
  #next = 0;
  private readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  async create(options: { metadata: Record<string, string> }): Promise<E2bRemote> {
    const id = `sbx-${++this.#next}`;
    this.calls.push(`create ${id} ${options.metadata.autopilotSession}`);
    const remote = new FakeRemote(id, join(this.root, id), this.calls);
    await mkdir(remote.fsRoot, { recursive: true });
    this.#remotes.set(id, remote);
    return remote;
  }

  async connect(sandboxId: string): Promise<E2bRemote> {
    const remote = this.#remotes.get(sandboxId);
    if (!remote || remote.state === 'killed') throw new Error(`no sandbox ${sandboxId}`);
    this.calls.push(`connect ${sandboxId}`);
    remote.state = 'running';
    return remote;
  }

  async kill(sandboxId: string): Promise<void> {
    this.calls.push(`kill ${sandboxId}`);
    const remote = this.#remotes.get(sandboxId);
    if (remote) remote.state = 'killed';
  }

  remote(sandboxId: string): FakeRemote | undefined {
    return this.#remotes.get(sandboxId);
  }
}

class FakeRemote implements E2bRemote {
  state: 'running' | 'paused' | 'killed' = 'running';
  readonly sandboxId: string;
  readonly fsRoot: string;
  private readonly calls: string[];
  constructor(sandboxId: string, fsRoot: string, calls: string[]) {
    this.sandboxId = sandboxId;
    this.fsRoot = fsRoot;
    this.calls = calls;
  }

  #local(path: string): string {
    return join(this.fsRoot, path);
  }

  #assertRunning(): void {
    if (this.state !== 'running') throw new Error(`sandbox ${this.sandboxId} is ${this.state}`);
  }

  async run(options: Parameters<E2bRemote['run']>[0]): ReturnType<E2bRemote['run']> {
    this.#assertRunning();
    const cwd = this.#local(options.cwd);
    await mkdir(cwd, { recursive: true });
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', options.command], {
        cwd,
        detached: true,
        env: { PATH: '/usr/bin:/bin' },
      });
      let timedOut = false;
      let aborted = false;
      const kill = () => {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
      const onAbort = () => {
        aborted = true;
        kill();
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', options.onStdout);
      child.stderr.on('data', options.onStderr);
      child.on('close', (code) => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        resolve({ exitCode: code, timedOut, aborted });
      });
    });
  }

  async writeFile(options: { path: string; data: Buffer }): Promise<void> {
    this.#assertRunning();
    await mkdir(dirname(this.#local(options.path)), { recursive: true });
    await writeFile(this.#local(options.path), options.data);
  }

  async readFile(path: string): Promise<Buffer> {
    this.#assertRunning();
    return readFile(this.#local(path));
  }

  async listFiles(folder: string): Promise<E2bRemoteFile[]> {
    this.#assertRunning();
    const files: E2bRemoteFile[] = [];
    const walk = async (relative: string): Promise<void> => {
      const entries = await readdir(join(this.#local(folder), relative)).catch(() => []);
      for (const name of entries) {
        const path = relative ? `${relative}/${name}` : name;
        const info = await lstat(join(this.#local(folder), path));
        files.push({ path, type: info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other' });
        if (info.isDirectory()) await walk(path);
      }
    };
    await walk('');
    return files;
  }

  async pause(): Promise<void> {
    this.#assertRunning();
    this.calls.push(`pause ${this.sandboxId}`);
    this.state = 'paused';
  }
}

const logger = createLogger({ level: 'silent' });

describeSandboxConformance('E2bSandbox (fake E2B client)', async ({ maxOutputBytes }) => {
  const root = await mkdtemp(join(tmpdir(), 'autopilot-fake-e2b-'));
  return {
    sandbox: new E2bSandbox({ client: new FakeE2bClient(root), logger, maxOutputBytes }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('E2bSandbox lifecycle and copying', () => {
  let root = '';
  let workspaceDir = '';
  let outside = '';
  let client: FakeE2bClient;
  let sandbox: E2bSandbox;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'autopilot-e2b-'));
    workspaceDir = join(root, 'workspace');
    outside = join(root, 'outside');
    await mkdir(workspaceDir);
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'host secret');
    client = new FakeE2bClient(join(root, 'remotes'));
    sandbox = new E2bSandbox({ client, logger });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const exec = (command: string, sessionId = 's1') =>
    sandbox.exec({
      sessionId,
      workspaceDir,
      command,
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    });

  test('one sandbox per session, paused after a turn, resumed by the next command, killed on delete', async () => {
    await exec('echo one > a.txt');
    await exec('echo two >> a.txt');
    await sandbox.suspend('s1');
    await sandbox.suspend('s1');
    expect(await exec('cat a.txt')).toMatchObject({ stdout: 'one\ntwo\n' });
    await exec('true', 's2');
    await sandbox.remove('s1');
    await sandbox.remove('s1');
    expect(client.calls).toEqual([
      'create sbx-1 s1',
      'pause sbx-1',
      'connect sbx-1',
      'create sbx-2 s2',
      'kill sbx-1',
    ]);
    expect(client.remote('sbx-2')?.state).toBe('running');
  });

  test('files written and deleted remotely show on the host; nothing else does', async () => {
    await writeFile(join(workspaceDir, 'old.txt'), 'old');
    await writeFile(join(workspaceDir, 'keep.txt'), 'keep');
    const result = await exec('rm old.txt; mkdir -p src && echo made > src/new.txt; cat keep.txt');
    expect(result).toMatchObject({ exitCode: 0, stdout: 'keep' });
    expect(await readFile(join(workspaceDir, 'src/new.txt'), 'utf8')).toBe('made\n');
    await expect(lstat(join(workspaceDir, 'old.txt'))).rejects.toThrow();
  });

  test('copying back never writes through a host symlink, and remote links stay remote', async () => {
    await symlink(join(outside, 'secret.txt'), join(workspaceDir, 'link.txt'));
    // The host's link is not uploaded; the remote makes a regular file of that name, and links of its own.
    await exec('echo pwned > link.txt; ln -s /etc/passwd passwd');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect((await lstat(join(workspaceDir, 'link.txt'))).isSymbolicLink()).toBe(true);
    await expect(lstat(join(workspaceDir, 'passwd'))).rejects.toThrow();
  });
});
