import type { RuntimeKind } from '../config/config.ts';
import type { Usage } from '../protocol/index.ts';
import type { AnyToolDefinition, ToolCall, ToolOutcome } from '../tools/tool.ts';
import type { Logger } from '../util/logger.ts';

/**
 * The field an OpenAI-compatible server streams reasoning in, and takes it back in: DeepSeek and
 * Kimi use `reasoning_content` (and DeepSeek requires it back with tool calls); Groq and Cerebras
 * use `reasoning` and refuse `reasoning_content`.
 */
export type ReasoningWireField = 'reasoning_content' | 'reasoning';

/**
 * What every runtime produces, whatever SDK it adapts. The turn engine turns these into stream
 * chunks and stored messages; nothing after `agent/` can tell which runtime ran.
 * Ordering contract: text/reasoning deltas sit between their start and end; a tool's
 * `tool-call` precedes its `tool-result`; steps bracket model calls.
 */
export type AgentEvent =
  | { type: 'step-start' }
  | { type: 'step-finish' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  /** `wireField`: stored with the block, so the reasoning goes back to its server in that field. */
  | { type: 'reasoning-start'; id: string; wireField?: ReasoningWireField }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'reasoning-end'; id: string }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-result'; toolCallId: string; output: unknown; isError: boolean }
  /** A running sub-agent's latest tool call, under the sub-agent tool call (`toolCallId`) that started it. */
  | { type: 'subagent-progress'; toolCallId: string; toolName: string; summary: string }
  /** Usage of one model call (or one result); the engine adds them up. */
  | { type: 'usage'; usage: Usage; model: string }
  /** How the turn ended, for the user (the step limit was reached): a line shown after the reply, and stored. */
  | { type: 'notice'; message: string }
  /** The runtime's own record of the conversation after this turn, already validated; stored for resume. */
  | { type: 'transcript'; transcript: RuntimeTranscript };

export interface RuntimeTranscript {
  runtime: string;
  cliSessionId: string;
  content: string;
  metadata: Record<string, unknown>;
}

/** A stored transcript with the last message `seq` it covers: later messages must be replayed. */
export interface ResumeTranscript extends RuntimeTranscript {
  coveredSeq: number;
}

/**
 * One message of the conversation before the new one, as the runtimes read it.
 * - `user`: the user's text in `content` (attachments in `metadata`).
 * - `assistant`: either a text block (`content`) or one tool call (`toolCall`).
 * - `tool`: the result of the tool call `toolCallId`; `content` is the JSON-encoded output.
 * - `marker`: a line for people only; the engine leaves markers out of the history it passes.
 */
export interface HistoryMessage {
  seq: number;
  role: 'user' | 'assistant' | 'reasoning' | 'tool' | 'marker';
  turnId: string | null;
  /** Index of the model call (step) within its turn. */
  step: number | null;
  content: string;
  toolCall: { id: string; name: string; input: unknown } | null;
  toolCallId: string | null;
  metadata: Record<string, unknown>;
}

/**
 * The turn's tools as a runtime uses them: the definitions to offer, and one way to run a call
 * (the engine's policy, breakers, validation and output caps sit behind `execute`, which never
 * throws for a tool's own failure).
 */
export interface AgentTools {
  readonly tools: AnyToolDefinition[];
  execute(call: ToolCall): Promise<ToolOutcome>;
  /** The free space a saved output keeps on the workspace's disk, when the tools know it. */
  readonly minFreeDiskBytes?: number;
}

export interface PromptImage {
  mediaType: string;
  data: Uint8Array;
}

export interface AgentRunInput {
  sessionId: string;
  turnId: string;
  /** The user's new message. */
  prompt: string;
  /** Images attached to the new message, sent to the model as image content. */
  images: PromptImage[];
  /** The stored conversation before the new message, oldest first. */
  history: HistoryMessage[];
  /** The runtime's stored transcript of this session, if any (it may cover only part of `history`). */
  transcript: ResumeTranscript | null;
  workspaceDir: string;
  tools: AgentTools;
  /**
   * Whether the session's permissions let the agent start sub-agents (the `Agent` tool); true
   * when absent. A sub-agent never gets a tool its parent was not given.
   */
  allowSubagents?: boolean;
  signal: AbortSignal;
  logger: Logger;
  /**
   * Takes the messages the user sent while this turn runs (they are stored as part of this turn).
   * A runtime that can deliver them mid-turn calls it at tool boundaries; otherwise they start the next turn.
   */
  takeFollowUps?: () => Promise<string[]>;
}

/** The name permissions use for the sub-agent tool, on every runtime that has one. */
export const subagentToolName = 'Agent';

/** Errors thrown by `run` are `AppError`s classified by the runtime (see classify-model-error.ts). */
export interface AgentRuntime {
  readonly kind: RuntimeKind;
  /** Whether it resumes from a stored transcript (the engine skips loading one otherwise). */
  readonly usesTranscript: boolean;
  run(input: AgentRunInput): AsyncIterable<AgentEvent>;
  /** Releases what the runtime keeps between turns (live CLI processes); called at shutdown. */
  close(): Promise<void>;
  /**
   * Forgets everything it keeps for one conversation (the session was deleted): live processes
   * and any state on disk. Called after the session's turn has stopped.
   */
  forget(sessionId: string): Promise<void>;
}
