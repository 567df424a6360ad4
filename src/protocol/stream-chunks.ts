import { z } from 'zod';
import type { ErrorCode } from './errors.ts';
import type { Usage } from './usage.ts';

/**
 * The subset of the AI SDK UI message stream v1 chunks that Autopilot sends.
 * Only fields the protocol defines appear here: the official client rejects anything else.
 */
export type StreamChunk =
  | { type: 'start'; messageId: string }
  | { type: 'start-step' }
  | { type: 'finish-step' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'reasoning-start'; id: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-input-available'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-output-available'; toolCallId: string; output: unknown }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string }
  | { type: 'data-status'; data: StatusData; transient: true }
  | { type: 'data-compaction'; id: string; data: CompactionData }
  | { type: 'data-error'; data: ErrorData }
  | { type: 'data-system'; data: SystemData }
  | { type: 'data-follow-up'; data: FollowUpData }
  | { type: 'data-agent-progress'; id: string; data: AgentProgressData }
  | { type: 'message-metadata'; messageMetadata: TurnMetadata }
  | { type: 'error'; errorText: string }
  | { type: 'finish'; finishReason?: 'stop' | 'error' | 'other' };

export interface StatusData {
  message: string;
}

export interface CompactionData {
  phase: 'summarizing' | 'rebuilding';
  tokensBefore?: number;
  tokensAfter?: number;
  messagesBefore?: number;
  messagesAfter?: number;
}

export interface ErrorData {
  code: ErrorCode;
  retryable: boolean;
  message: string;
}

/** The error output of a tool call the user's Stop cut short: clients show it as stopped, not failed. */
export const stoppedToolOutput = 'Stopped by the user.';

/** A system line shown in the conversation, e.g. "Execution stopped by user". */
export interface SystemData {
  message: string;
}

/** A steered message, where it went into the running turn. */
export interface FollowUpData {
  messageId: string;
  text: string;
}

/**
 * A running sub-agent's latest tool call: `toolName` and a one-line `summary` of its input (a
 * command, a file name, a URL; no server paths). The chunk's `id` is the sub-agent tool call's
 * `toolCallId`, so a client replaces the part in place. Streamed only, never stored: it matters only
 * while that call runs, and a replay of the turn's stream ends on the same latest value.
 */
export const agentProgressDataSchema = z.strictObject({
  toolName: z.string(),
  summary: z.string(),
});
export type AgentProgressData = z.infer<typeof agentProgressDataSchema>;

export type TurnStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/**
 * An assistant message's metadata: sent in the turn's last `message-metadata` chunk and stored,
 * so `GET /api/sessions/:id` returns the same after a reload. `durationMs` and `usage` are null
 * while the turn runs.
 */
export interface TurnMetadata {
  turnId: string;
  status: TurnStatus;
  startedAt: string;
  durationMs: number | null;
  usage: Usage | null;
}

/** A chunk as published to subscribers: numbered from 1 within its turn. */
export interface StreamEvent {
  id: number;
  chunk: StreamChunk;
}
