import { lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../util/logger.ts';
import { BoundedOutput } from './bounded-output.ts';
import type { E2bClient, E2bRemote } from './e2b-client.ts';
import { openWorkspaceFile } from './open-workspace-file.ts';
import type { Sandbox, SandboxExecRequest, SandboxExecResult } from './sandbox.ts';
import { PathError, resolveWorkspacePath } from './workspace-path.ts';

/** Where the workspace lives inside the remote sandbox. */
export const e2bWorkspace = '/home/user/workspace';

interface SessionSandbox {
  sandboxId: string;
  /** Null while paused: the next command reattaches. */
  remote: E2bRemote | null;
}

/**
 * Runs commands in an E2B cloud sandbox: one per session, paused after each turn (`suspend`),
 * killed when the session is deleted (`remove`). The workspace's regular files are copied in
 * before a command and the remote's copied back after; a file comes back only through
 * `openWorkspaceFile`, so a remote symlink or hard link can never lead a write outside.
 */
export class E2bSandbox implements Sandbox {
  readonly kind = 'e2b';
  readonly #client: E2bClient;
  readonly #logger: Logger;
  readonly #maxOutputBytes: number;
  readonly #sessions = new Map<string, Promise<SessionSandbox>>();

  constructor(options: { client: E2bClient; logger: Logger; maxOutputBytes?: number }) {
    this.#client = options.client;
    this.#logger = options.logger;
    this.#maxOutputBytes = options.maxOutputBytes ?? 10 * 1024 * 1024;
  }

  async exec(request: SandboxExecRequest): Promise<SandboxExecResult> {
    if (request.signal.aborted) {
      return { exitCode: null, stdout: '', stderr: '', timedOut: false, aborted: true, truncated: false };
    }
    const remote = await this.#attach(request.sessionId);
    const uploaded = await upload({ remote, workspaceDir: request.workspaceDir });
    const stdout = new BoundedOutput(this.#maxOutputBytes);
    const stderr = new BoundedOutput(this.#maxOutputBytes);
    const run = await remote.run({
      command: request.command,
      cwd: e2bWorkspace,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      onStdout: (chunk) => stdout.push(chunk),
      onStderr: (chunk) => stderr.push(chunk),
    });
    await download({ remote, workspaceDir: request.workspaceDir, uploaded, logger: this.#logger });
    return {
      exitCode: run.timedOut || run.aborted ? null : run.exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut: run.timedOut,
      aborted: run.aborted,
      truncated: stdout.truncated || stderr.truncated,
    };
  }

  async suspend(sessionId: string): Promise<void> {
    const entry = await this.#sessions.get(sessionId)?.catch(() => null);
    if (!entry?.remote) return;
    const remote = entry.remote;
    entry.remote = null;
    await remote.pause();
  }

  async remove(sessionId: string): Promise<void> {
    const pending = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    const entry = await pending?.catch(() => null);
    if (entry) await this.#client.kill(entry.sandboxId);
  }

  /** The session's sandbox, created on first use and resumed after a pause. */
  async #attach(sessionId: string): Promise<E2bRemote> {
    let pending = this.#sessions.get(sessionId);
    if (!pending) {
      pending = this.#client
        .create({ metadata: { autopilotSession: sessionId } })
        .then((remote) => ({ sandboxId: remote.sandboxId, remote }));
      this.#sessions.set(sessionId, pending);
      pending.catch(() => this.#sessions.delete(sessionId));
    }
    const entry = await pending;
    if (!entry.remote) entry.remote = await this.#client.connect(entry.sandboxId);
    return entry.remote;
  }
}

/** Copies the workspace's regular files in; symlinks and anything else stay behind. */
async function upload(options: { remote: E2bRemote; workspaceDir: string }): Promise<Set<string>> {
  const uploaded = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(options.workspaceDir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      if (!entry.isFile()) continue;
      const { handle } = await openWorkspaceFile({ workspaceDir: options.workspaceDir, path, mode: 'read' });
      try {
        await options.remote.writeFile({ path: `${e2bWorkspace}/${path}`, data: await handle.readFile() });
      } finally {
        await handle.close();
      }
      uploaded.add(path);
    }
  };
  await walk('');
  return uploaded;
}

/** Copies the remote's regular files back, and deletes the uploaded ones the command removed. */
async function download(options: {
  remote: E2bRemote;
  workspaceDir: string;
  uploaded: Set<string>;
  logger: Logger;
}): Promise<void> {
  const { remote, workspaceDir } = options;
  const present = new Set<string>();
  for (const file of await remote.listFiles(e2bWorkspace)) {
    if (file.type !== 'file') continue;
    present.add(file.path);
    try {
      const target = await resolveWorkspacePath({ workspaceDir, path: file.path });
      await mkdir(dirname(target), { recursive: true });
      const { handle } = await openWorkspaceFile({ workspaceDir, path: file.path, mode: 'write' });
      try {
        await handle.writeFile(await remote.readFile(`${e2bWorkspace}/${file.path}`));
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (!(error instanceof PathError)) throw error;
      options.logger.warn(
        { path: file.path, reason: error.message },
        'a file from the E2B sandbox was not copied back',
      );
    }
  }
  for (const path of options.uploaded) {
    if (present.has(path)) continue;
    const target = await resolveWorkspacePath({ workspaceDir, path });
    if ((await lstat(target).catch(() => null))?.isFile()) await unlink(target);
  }
}
