import type { Scope } from './session-store.ts';

/** A runtime's own record of a conversation (the Claude Code CLI's session JSONL), kept for resume. */
export interface StoredTranscript {
  runtime: string;
  /** The runtime's id for the conversation (the CLI session id). */
  cliSessionId: string;
  content: string;
  /** The last message `seq` the transcript covers: later messages must be replayed as history. */
  coveredSeq: number;
  /** Runtime-specific facts kept with the transcript (e.g. the CLI's cumulative usage). */
  metadata: Record<string, unknown>;
  updatedAt: string;
}

export interface TranscriptStore {
  /** Null when none is stored, or the session is not the owner's. */
  loadTranscript(scope: Scope): Promise<StoredTranscript | null>;
  /** Replaces the session's transcript as a whole. */
  saveTranscript(options: Scope & { transcript: Omit<StoredTranscript, 'updatedAt'> }): Promise<void>;
}
