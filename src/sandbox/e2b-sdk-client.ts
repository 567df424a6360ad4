import {
  CommandExitError,
  type ConnectionOpts,
  FileNotFoundError,
  FileType,
  SandboxNotFoundError,
  Sandbox as SdkSandbox,
} from 'e2b';
import { CommandDeadline } from './command-deadline.ts';
import type { E2bClient, E2bRemote, E2bRemoteFile, E2bSandboxSummary } from './e2b-client.ts';
import { E2bSandboxGoneError } from './e2b-client.ts';

export interface E2bSdkClientOptions {
  apiKey: string;
  /** E2B template name or id; E2B's `base` when absent. */
  template?: string;
  /**
   * How long a running sandbox lives after it was last created or reattached (before each
   * command). E2B kills it then: the backstop when this process dies mid-turn and never pauses it.
   */
  lifetimeMs: number;
  /** Whether commands may reach the internet. Off, the sandbox has no egress, as under bubblewrap. */
  internet: boolean;
  /** Tests only, never from configuration: a loopback fake of E2B's API and of the sandbox daemon. */
  endpoints?: { apiUrl: string; sandboxUrl: string };
}

/** Extra time the daemon's stream may outlive a command's own timeout, which we enforce by killing it. */
const streamSlackMs = 30_000;

/**
 * `E2bClient` over the `e2b` package. The SDK's types and errors stop here: a missing sandbox
 * becomes `E2bSandboxGoneError`, output strings become bytes, and the timeout and abort are ours.
 */
export class E2bSdkClient implements E2bClient {
  readonly #options: E2bSdkClientOptions;

  constructor(options: E2bSdkClientOptions) {
    this.#options = options;
  }

  async create(options: { metadata: Record<string, string> }): Promise<E2bRemote> {
    const sandbox = await SdkSandbox.create({
      ...this.#connection(),
      ...(this.#options.template ? { template: this.#options.template } : {}),
      metadata: options.metadata,
      timeoutMs: this.#options.lifetimeMs,
      allowInternetAccess: this.#options.internet,
      lifecycle: { onTimeout: 'kill' },
    });
    return new SdkRemote(sandbox);
  }

  async connect(sandboxId: string): Promise<E2bRemote> {
    try {
      const sandbox = await SdkSandbox.connect(sandboxId, {
        ...this.#connection(),
        timeoutMs: this.#options.lifetimeMs,
      });
      return new SdkRemote(sandbox);
    } catch (error) {
      throw toGone(error, sandboxId);
    }
  }

  async pause(sandboxId: string): Promise<void> {
    try {
      // False when it was already paused: the state we want.
      await SdkSandbox.pause(sandboxId, this.#connection());
    } catch (error) {
      throw toGone(error, sandboxId);
    }
  }

  async kill(sandboxId: string): Promise<void> {
    // False when it was already gone: the state we want.
    await SdkSandbox.kill(sandboxId, this.#connection());
  }

  async list(options: { metadata: Record<string, string> }): Promise<E2bSandboxSummary[]> {
    const pages = SdkSandbox.list({ ...this.#connection(), query: { metadata: options.metadata } });
    const found: E2bSandboxSummary[] = [];
    while (pages.hasNext) {
      for (const sandbox of await pages.nextItems()) {
        found.push({ sandboxId: sandbox.sandboxId, state: sandbox.state });
      }
    }
    return found;
  }

  #connection(): ConnectionOpts {
    return { apiKey: this.#options.apiKey, ...this.#options.endpoints };
  }
}

class SdkRemote implements E2bRemote {
  readonly #sandbox: SdkSandbox;

  constructor(sandbox: SdkSandbox) {
    this.#sandbox = sandbox;
  }

  get sandboxId(): string {
    return this.#sandbox.sandboxId;
  }

  async run(options: Parameters<E2bRemote['run']>[0]): ReturnType<E2bRemote['run']> {
    if (options.signal.aborted) return { exitCode: null, timedOut: false, aborted: true };
    await this.#sandbox.files.makeDir(options.cwd);
    const handle = await this.#sandbox.commands.run(options.command, {
      background: true,
      cwd: options.cwd,
      timeoutMs: options.timeoutMs + streamSlackMs,
      onStdout: (data) => options.onStdout(Buffer.from(data)),
      onStderr: (data) => options.onStderr(Buffer.from(data)),
    });
    const deadline = new CommandDeadline({
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      kill: () => {
        handle.kill().catch(() => undefined);
      },
    });
    const ended = (exitCode: number | null) => {
      deadline.dispose();
      return { exitCode, timedOut: deadline.timedOut, aborted: deadline.aborted };
    };
    try {
      return ended((await handle.wait()).exitCode);
    } catch (error) {
      // A non-zero exit is a result, not a failure; so is the end of a command we killed.
      if (error instanceof CommandExitError) return ended(error.exitCode);
      if (deadline.timedOut || deadline.aborted) return ended(null);
      deadline.dispose();
      throw error;
    }
  }

  async writeFile(options: { path: string; data: Buffer }): Promise<void> {
    await this.#sandbox.files.write(options.path, Uint8Array.from(options.data).buffer);
  }

  async readFile(path: string): Promise<Buffer> {
    return Buffer.from(await this.#sandbox.files.read(path, { format: 'bytes' }));
  }

  async listFiles(folder: string): Promise<E2bRemoteFile[]> {
    const prefix = `${folder.replace(/\/+$/, '')}/`;
    // Deep enough for any real tree; the daemon walks it in one call.
    const entries = await this.#sandbox.files.list(folder, { depth: 64 });
    return entries
      .filter((entry) => entry.path.startsWith(prefix))
      .map((entry) => ({
        path: entry.path.slice(prefix.length),
        type: entry.type === FileType.FILE ? 'file' : entry.type === FileType.DIR ? 'dir' : 'other',
        size: entry.size,
        modifiedMs: entry.modifiedTime?.getTime() ?? 0,
      }));
  }

  async removeFile(path: string): Promise<void> {
    try {
      await this.#sandbox.files.remove(path);
    } catch (error) {
      if (!(error instanceof FileNotFoundError)) throw error;
    }
  }
}

function toGone(error: unknown, sandboxId: string): unknown {
  return error instanceof SandboxNotFoundError
    ? new E2bSandboxGoneError(`E2B sandbox ${sandboxId} no longer exists`, { cause: error })
    : error;
}
