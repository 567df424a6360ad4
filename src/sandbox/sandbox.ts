/** One command to run in a session's workspace. */
export interface SandboxExecRequest {
  sessionId: string;
  /** The session's workspace on the host: the only host folder the command may write. */
  workspaceDir: string;
  /** Shell text, run by `/bin/sh -c` inside the sandbox with the workspace as its working folder. */
  command: string;
  /** Already clamped by the caller; the sandbox kills the whole process tree when it passes. */
  timeoutMs: number;
  /** The turn's signal: an abort kills the process tree at once. */
  signal: AbortSignal;
}

export interface SandboxExecResult {
  /** Null when the command was killed (timeout, abort, limit) rather than exiting. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** Output beyond the sandbox's own cap was dropped. */
  truncated: boolean;
  /**
   * Set when the command was killed because the host's disk fell below the floor the server
   * keeps free: why, in words for the model ("the server's disk is nearly full (…)").
   */
  diskFull?: string;
}

/**
 * Where `bash_exec` runs commands. An implementation never runs a command unconfined: when it
 * cannot confine, `exec` throws `SandboxUnavailableError`.
 */
export interface Sandbox {
  readonly kind: string;
  /** What the model is told about where its commands run, in `bash_exec`'s description. */
  readonly description: string;
  exec(request: SandboxExecRequest): Promise<SandboxExecResult>;
  /** The session's turn ended: resources held for it may be paused. Idempotent. */
  suspend(sessionId: string): Promise<void>;
  /** The session was deleted: everything held for it is released. Idempotent. */
  remove(sessionId: string): Promise<void>;
}

/** The sandbox cannot confine commands here; the tool answers `sandbox_unavailable`. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
  readonly code = 'sandbox_unavailable' as const;
}

export const defaultExecTimeoutMs = 30_000;
export const maxExecTimeoutMs = 120_000;
