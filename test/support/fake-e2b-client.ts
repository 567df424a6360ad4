import { spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CommandDeadline } from '../../src/sandbox/command-deadline.ts';
import {
  type E2bClient,
  type E2bRemote,
  type E2bRemoteFile,
  E2bSandboxGoneError,
  type E2bSandboxSummary,
} from '../../src/sandbox/e2b-client.ts';

type FakeState = 'running' | 'paused' | 'killed';

/**
 * A hand-written E2B: each "remote sandbox" is a folder standing for its filesystem, and commands
 * run in it with `sh` (no network isolation: the fake checks our protocol, not E2B's walls). It
 * records the lifecycle calls (`create sbx-1 <session>`, `connect sbx-1`, `pause sbx-1`, `kill sbx-1`).
 * Two clients over the same root see the same sandboxes, as two processes would at E2B.
 */
export class FakeE2bClient implements E2bClient {
  readonly calls: string[] = [];
  readonly #world: FakeE2bWorld;
  readonly #waiters: { call: string; times: number; resolve: () => void }[] = [];

  constructor(world: FakeE2bWorld) {
    this.#world = world;
  }

  async create(options: { metadata: Record<string, string> }): Promise<E2bRemote> {
    const remote = await this.#world.add(options.metadata);
    this.#record(`create ${remote.sandboxId} ${Object.values(options.metadata).join(' ')}`);
    return remote;
  }

  async connect(sandboxId: string): Promise<E2bRemote> {
    const remote = this.#world.get(sandboxId);
    if (!remote || remote.state === 'killed') throw new E2bSandboxGoneError(`no sandbox ${sandboxId}`);
    this.#record(`connect ${sandboxId}`);
    remote.state = 'running';
    return remote;
  }

  async pause(sandboxId: string): Promise<void> {
    const remote = this.#world.get(sandboxId);
    if (remote?.state !== 'running') throw new Error(`sandbox ${sandboxId} is not running`);
    this.#record(`pause ${sandboxId}`);
    remote.state = 'paused';
  }

  async kill(sandboxId: string): Promise<void> {
    this.#record(`kill ${sandboxId}`);
    const remote = this.#world.get(sandboxId);
    if (remote) remote.state = 'killed';
  }

  async list(options: { metadata: Record<string, string> }): Promise<E2bSandboxSummary[]> {
    return this.#world.matching(options.metadata);
  }

  /** Resolves once `call` has been recorded `times` times (at once if it already was). */
  waitFor(call: string, times = 1): Promise<void> {
    if (this.#count(call) >= times) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ call, times, resolve }));
  }

  #count(call: string): number {
    return this.calls.filter((recorded) => recorded === call).length;
  }

  #record(call: string): void {
    this.calls.push(call);
    for (const waiter of this.#waiters) if (this.#count(waiter.call) >= waiter.times) waiter.resolve();
  }
}

/** What E2B holds: the sandboxes of every client made over it. */
export class FakeE2bWorld {
  readonly #remotes = new Map<string, FakeRemote>();
  readonly #root: string;
  readonly #startWaiters: (() => void)[] = [];
  #next = 0;

  constructor(root: string) {
    this.#root = root;
  }

  async add(metadata: Record<string, string>): Promise<FakeRemote> {
    const id = `sbx-${++this.#next}`;
    const remote = new FakeRemote({
      sandboxId: id,
      fsRoot: join(this.#root, id),
      metadata,
      onCommandStarted: () => {
        for (const resolve of this.#startWaiters.splice(0)) resolve();
      },
    });
    await mkdir(remote.fsRoot, { recursive: true });
    this.#remotes.set(id, remote);
    return remote;
  }

  /** Resolves when the next command starts running in any sandbox. */
  nextCommandStarted(): Promise<void> {
    return new Promise((resolve) => this.#startWaiters.push(resolve));
  }

  get(sandboxId: string): FakeRemote | undefined {
    return this.#remotes.get(sandboxId);
  }

  matching(metadata: Record<string, string>): E2bSandboxSummary[] {
    return [...this.#remotes.values()]
      .filter((remote) => remote.state !== 'killed')
      .filter((remote) => Object.entries(metadata).every(([key, value]) => remote.metadata[key] === value))
      .map((remote) => ({ sandboxId: remote.sandboxId, state: remote.state as 'running' | 'paused' }));
  }

  /** Sandboxes not killed, with their state: what would still cost money. */
  alive(): Record<string, FakeState> {
    const alive: Record<string, FakeState> = {};
    for (const remote of this.#remotes.values())
      if (remote.state !== 'killed') alive[remote.sandboxId] = remote.state;
    return alive;
  }
}

class FakeRemote implements E2bRemote {
  state: FakeState = 'running';
  /** Every file written into it, in order. */
  readonly uploads: string[] = [];
  readonly sandboxId: string;
  readonly fsRoot: string;
  readonly metadata: Record<string, string>;
  readonly #onCommandStarted: () => void;

  constructor(options: {
    sandboxId: string;
    fsRoot: string;
    metadata: Record<string, string>;
    onCommandStarted: () => void;
  }) {
    this.sandboxId = options.sandboxId;
    this.fsRoot = options.fsRoot;
    this.metadata = options.metadata;
    this.#onCommandStarted = options.onCommandStarted;
  }

  #local(path: string): string {
    return join(this.fsRoot, path);
  }

  #assertRunning(): void {
    if (this.state !== 'running') throw new Error(`sandbox ${this.sandboxId} is ${this.state}`);
  }

  async run(options: Parameters<E2bRemote['run']>[0]): ReturnType<E2bRemote['run']> {
    this.#assertRunning();
    if (options.signal.aborted) return { exitCode: null, timedOut: false, aborted: true };
    const cwd = this.#local(options.cwd);
    await mkdir(cwd, { recursive: true });
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', options.command], {
        cwd,
        detached: true,
        env: { PATH: '/usr/bin:/bin' },
      });
      const deadline = new CommandDeadline({
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        kill: () => {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        },
      });
      child.on('spawn', this.#onCommandStarted);
      child.stdout.on('data', options.onStdout);
      child.stderr.on('data', options.onStderr);
      child.on('close', (code) => {
        deadline.dispose();
        resolve({ exitCode: code, timedOut: deadline.timedOut, aborted: deadline.aborted });
      });
    });
  }

  async writeFile(options: { path: string; data: Buffer }): Promise<void> {
    this.#assertRunning();
    this.uploads.push(options.path);
    await mkdir(dirname(this.#local(options.path)), { recursive: true });
    await writeFile(this.#local(options.path), options.data);
  }

  async readFile(path: string): Promise<Buffer> {
    this.#assertRunning();
    return readFile(this.#local(path));
  }

  async removeFile(path: string): Promise<void> {
    this.#assertRunning();
    await rm(this.#local(path), { force: true });
  }

  async listFiles(folder: string): Promise<E2bRemoteFile[]> {
    this.#assertRunning();
    const files: E2bRemoteFile[] = [];
    const walk = async (relative: string): Promise<void> => {
      const entries = await readdir(join(this.#local(folder), relative)).catch(() => []);
      for (const name of entries) {
        const path = relative ? `${relative}/${name}` : name;
        const info = await lstat(join(this.#local(folder), path));
        files.push({
          path,
          type: info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other',
          size: info.size,
          modifiedMs: info.mtimeMs,
        });
        if (info.isDirectory()) await walk(path);
      }
    };
    await walk('');
    return files;
  }
}
