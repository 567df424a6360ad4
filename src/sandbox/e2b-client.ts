/**
 * The part of E2B's SDK that `E2bSandbox` uses, as our own narrow interface: the production
 * adapter (`E2bSdkClient`) wraps the `e2b` package's `Sandbox` class; tests use a hand-written fake.
 */
export interface E2bClient {
  /** A new remote sandbox, tagged with our metadata. */
  create(options: { metadata: Record<string, string> }): Promise<E2bRemote>;
  /**
   * Reattaches to a sandbox, resuming it if paused, and extends its life. Throws
   * `E2bSandboxGoneError` if it no longer exists.
   */
  connect(sandboxId: string): Promise<E2bRemote>;
  /** Pauses a running sandbox: it keeps its files and costs no compute until `connect`. */
  pause(sandboxId: string): Promise<void>;
  /** Ends a sandbox, running or paused, for good. A sandbox already gone is not an error. */
  kill(sandboxId: string): Promise<void>;
  /** The sandboxes, running or paused, whose metadata includes every given entry. */
  list(options: { metadata: Record<string, string> }): Promise<E2bSandboxSummary[]>;
}

export interface E2bSandboxSummary {
  sandboxId: string;
  state: 'running' | 'paused';
}

export interface E2bRemoteFile {
  /** Relative to the folder listed, `/`-separated. */
  path: string;
  type: 'file' | 'dir' | 'other';
  size: number;
  /** Last modification, in milliseconds; with `size`, how a change made by a command is seen. */
  modifiedMs: number;
}

export interface E2bRemote {
  readonly sandboxId: string;
  run(options: {
    command: string;
    cwd: string;
    timeoutMs: number;
    signal: AbortSignal;
    onStdout: (chunk: Buffer) => void;
    onStderr: (chunk: Buffer) => void;
  }): Promise<{ exitCode: number | null; timedOut: boolean; aborted: boolean }>;
  writeFile(options: { path: string; data: Buffer }): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** Every entry under `folder`, recursively, symlinks reported as `other`. */
  listFiles(folder: string): Promise<E2bRemoteFile[]>;
  /** Removes a file; one already gone is not an error. */
  removeFile(path: string): Promise<void>;
}

/**
 * The sandbox no longer exists at E2B (killed by its timeout, or by someone else): the caller
 * forgets it and starts a new one. The workspace lives on the host, so nothing of the
 * session's files is lost with it.
 */
export class E2bSandboxGoneError extends Error {
  override name = 'E2bSandboxGoneError';
}
