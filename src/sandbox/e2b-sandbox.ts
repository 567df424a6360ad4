import { defaultMinFreeDiskBytes } from '../util/disk-floor.ts';
import type { Logger } from '../util/logger.ts';
import { BoundedOutput } from './bounded-output.ts';
import { type E2bClient, type E2bRemote, E2bSandboxGoneError } from './e2b-client.ts';
import { download, type SyncedFiles, upload } from './e2b-workspace-copy.ts';
import {
  type Sandbox,
  type SandboxExecRequest,
  type SandboxExecResult,
  SandboxUnavailableError,
} from './sandbox.ts';

/** Where the workspace lives inside the remote sandbox. */
export const e2bWorkspace = '/home/user/workspace';
/** The metadata entry that ties a remote sandbox to its session, across restarts too. */
export const e2bSessionKey = 'autopilotSession';

interface SessionSandbox {
  sandboxId: string;
  state: 'running' | 'paused';
  /** Commands still running in it: a pause waits for them. */
  inFlight: Set<Promise<unknown>>;
  /** Files known to be the same on both sides; a new sandbox starts without any. */
  synced: SyncedFiles;
}

/**
 * Runs commands in an E2B cloud sandbox: one per session, paused after each turn (`suspend`),
 * killed when the session is deleted (`remove`). The sandbox is found again by its metadata
 * after a restart, and one E2B has ended (its timeout) is replaced by a new one. The workspace's
 * regular files are copied in before a command and the remote's copied back after; a file comes
 * back only through `openWorkspaceFile`, so a remote symlink or hard link can never lead a write
 * outside. Lifecycle steps of one session run one at a time.
 */
export class E2bSandbox implements Sandbox {
  readonly kind = 'e2b';
  readonly description: string;
  readonly #client: E2bClient;
  readonly #logger: Logger;
  readonly #maxOutputBytes: number;
  readonly #maxFileBytes: number;
  readonly #maxCopiedFiles: number;
  readonly #minFreeDiskBytes: number;
  readonly #sessions = new Map<string, SessionSandbox>();
  readonly #steps = new Map<string, Promise<unknown>>();

  constructor(options: {
    client: E2bClient;
    logger: Logger;
    /** Whether commands reach the internet (set on the client); only told to the model here. */
    internet?: boolean;
    maxOutputBytes?: number;
    /** The largest file copied back from the sandbox; bubblewrap's own per-file limit by default. */
    maxFileBytes?: number;
    /** The most changed files one command's copy-back brings to the host. */
    maxCopiedFiles?: number;
    /** Free space the copy-back keeps on the host's disk, as bubblewrap's commands do. */
    minFreeDiskBytes?: number;
  }) {
    this.description =
      `It is a Linux machine of this conversation's own, kept between calls (installed packages stay), ` +
      `${options.internet ? 'with' : 'without'} internet access. The workspace's files are copied in before ` +
      'each command and copied back after it: keep results in the working folder.';
    this.#client = options.client;
    this.#logger = options.logger;
    this.#maxOutputBytes = options.maxOutputBytes ?? 10 * 1024 * 1024;
    this.#maxFileBytes = options.maxFileBytes ?? 1024 ** 3;
    this.#maxCopiedFiles = options.maxCopiedFiles ?? 10_000;
    this.#minFreeDiskBytes = options.minFreeDiskBytes ?? defaultMinFreeDiskBytes;
  }

  async exec(request: SandboxExecRequest): Promise<SandboxExecResult> {
    if (request.signal.aborted) {
      return { exitCode: null, stdout: '', stderr: '', timedOut: false, aborted: true, truncated: false };
    }
    // Registered inside the step, so that a suspend queued behind it waits for this command.
    const { running } = await this.#serially(request.sessionId, async () => {
      const { entry, remote } = await this.#attach(request.sessionId);
      const othersRunning = entry.inFlight.size > 0;
      const command = this.#run({ remote, request, synced: entry.synced, othersRunning });
      entry.inFlight.add(command);
      command.then(
        () => entry.inFlight.delete(command),
        () => entry.inFlight.delete(command),
      );
      return { running: command };
    });
    return running;
  }

  async suspend(sessionId: string): Promise<void> {
    await this.#serially(sessionId, async () => {
      const entry = this.#sessions.get(sessionId);
      if (entry?.state !== 'running') return;
      await Promise.allSettled(entry.inFlight);
      await this.#client.pause(entry.sandboxId);
      entry.state = 'paused';
    });
  }

  async remove(sessionId: string): Promise<void> {
    await this.#serially(sessionId, async () => {
      const known = this.#sessions.get(sessionId)?.sandboxId;
      this.#sessions.delete(sessionId);
      // The one we know first: it goes even if listing fails.
      if (known) await this.#client.kill(known);
      // Then those a previous process made for the session and this one never saw.
      for (const sandbox of await this.#client.list({ metadata: { [e2bSessionKey]: sessionId } })) {
        if (sandbox.sandboxId !== known) await this.#client.kill(sandbox.sandboxId);
      }
    });
  }

  /** The session's sandbox, running: the one this process knows, else one found by metadata, else a new one. */
  async #attach(sessionId: string): Promise<{ entry: SessionSandbox; remote: E2bRemote }> {
    try {
      let entry = this.#sessions.get(sessionId) ?? (await this.#find(sessionId));
      if (entry) {
        try {
          const remote = await this.#client.connect(entry.sandboxId);
          entry.state = 'running';
          this.#sessions.set(sessionId, entry);
          return { entry, remote };
        } catch (error) {
          if (!(error instanceof E2bSandboxGoneError)) throw error;
          this.#logger.warn(
            { session: sessionId, sandbox: entry.sandboxId },
            'the E2B sandbox had ended; starting a new one (the workspace is kept on the host)',
          );
          this.#sessions.delete(sessionId);
        }
      }
      const remote = await this.#client.create({ metadata: { [e2bSessionKey]: sessionId } });
      entry = { sandboxId: remote.sandboxId, state: 'running', inFlight: new Set(), synced: new Map() };
      this.#sessions.set(sessionId, entry);
      return { entry, remote };
    } catch (error) {
      throw new SandboxUnavailableError(`The E2B sandbox could not be started: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** A sandbox a previous process left for the session (paused after its turn, or running if it died mid-turn). */
  async #find(sessionId: string): Promise<SessionSandbox | undefined> {
    const [first, ...extra] = await this.#client.list({ metadata: { [e2bSessionKey]: sessionId } });
    // Two for one session (a start that raced a crash): keep one, end the others.
    for (const sandbox of extra) await this.#client.kill(sandbox.sandboxId);
    return (
      first && { sandboxId: first.sandboxId, state: first.state, inFlight: new Set(), synced: new Map() }
    );
  }

  async #run(options: {
    remote: E2bRemote;
    request: SandboxExecRequest;
    synced: SyncedFiles;
    /** Another command of the session is running: its changes must survive this upload. */
    othersRunning: boolean;
  }): Promise<SandboxExecResult> {
    const { remote, request, synced, othersRunning } = options;
    const before = await upload({
      remote,
      workspaceDir: request.workspaceDir,
      remoteDir: e2bWorkspace,
      synced,
      othersRunning,
    });
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
    const notes = await download({
      remote,
      workspaceDir: request.workspaceDir,
      remoteDir: e2bWorkspace,
      before,
      synced,
      maxFileBytes: this.#maxFileBytes,
      maxCopiedFiles: this.#maxCopiedFiles,
      minFreeDiskBytes: this.#minFreeDiskBytes,
      logger: this.#logger,
    });
    return {
      exitCode: run.timedOut || run.aborted ? null : run.exitCode,
      stdout: stdout.text(),
      stderr: [stderr.text(), ...notes].filter((text) => text !== '').join('\n'),
      timedOut: run.timedOut,
      aborted: run.aborted,
      truncated: stdout.truncated || stderr.truncated,
    };
  }

  /** Runs `step` after the session's earlier lifecycle steps, whatever their outcome. */
  #serially<T>(sessionId: string, step: () => Promise<T>): Promise<T> {
    const next = (this.#steps.get(sessionId) ?? Promise.resolve()).then(step);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#steps.set(sessionId, settled);
    void settled.then(() => {
      if (this.#steps.get(sessionId) === settled) this.#steps.delete(sessionId);
    });
    return next;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
