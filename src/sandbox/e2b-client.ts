/**
 * The part of E2B's SDK that `E2bSandbox` uses, as our own narrow interface: the production
 * adapter wraps the `e2b` package's `Sandbox` class; tests use a hand-written fake.
 */
export interface E2bClient {
  /** A new remote sandbox, tagged with our metadata. */
  create(options: { metadata: Record<string, string> }): Promise<E2bRemote>;
  /** Reattaches to (and resumes) a paused sandbox. */
  connect(sandboxId: string): Promise<E2bRemote>;
  /** Ends a sandbox, running or paused, for good. */
  kill(sandboxId: string): Promise<void>;
}

export interface E2bRemoteFile {
  /** Relative to the folder listed, `/`-separated. */
  path: string;
  type: 'file' | 'dir' | 'other';
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
  pause(): Promise<void>;
}
