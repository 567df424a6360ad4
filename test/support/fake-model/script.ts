/**
 * Provider-neutral script types for the fake model servers. A brain sees one
 * normalised request and returns one reply; the servers translate both to and
 * from the Anthropic Messages and OpenAI Chat Completions wire formats.
 */

export type FakeBlock =
  | { type: 'text'; text: string }
  /** `field`: the Chat Completions field it streams in (`reasoning_content` unless `reasoning`, as Groq's). */
  | { type: 'thinking'; thinking: string; field?: 'reasoning' }
  | { type: 'tool_use'; name: string; input: unknown; id?: string };

export interface FakeUsage {
  /** Uncached input tokens; estimated from the request text when omitted. */
  inputTokens?: number;
  /** Estimated from the reply text when omitted. */
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

export type FakeReply =
  | {
      kind: 'message';
      blocks: FakeBlock[];
      usage?: FakeUsage;
      chunkDelayMs?: number;
      /** Nothing is answered for this long, streamed or not: a model still thinking. */
      answerDelayMs?: number;
      /** Each frame leaves in two writes, cut inside its first multi-byte character, with a pause between. */
      splitCharacters?: boolean;
    }
  | { kind: 'error'; status: number; errorType: string; message: string }
  /** Streams the message, then destroys the socket after `afterEvents` SSE events. */
  | { kind: 'reset'; blocks: FakeBlock[]; afterEvents: number };

export interface FakeToolResult {
  toolUseId: string;
  content: string;
  isError: boolean;
}

export interface FakeToolUse {
  id: string;
  name: string;
  input: unknown;
}

export interface FakeMessage {
  role: 'user' | 'assistant' | 'tool';
  text: string;
  toolUses: FakeToolUse[];
  toolResults: FakeToolResult[];
}

/** A request normalised across providers, so one brain serves both. */
export interface FakeRequest {
  provider: 'anthropic' | 'openai';
  path: string;
  /** Raw query string without the leading `?`, e.g. `beta=true`. */
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  model: string;
  stream: boolean;
  /** All system text joined: the top-level system prompt and every `role: "system"` message. */
  system: string;
  /** How many `role: "system"` entries appeared inside `messages` (Claude Code sends these). */
  systemMessageCount: number;
  /** User, assistant and tool turns in order; system entries are folded into `system`. */
  messages: FakeMessage[];
  toolNames: string[];
  /** Text of the last message a user wrote, skipping messages that only carry tool results. */
  lastUserText: string;
  /** Tool results in the trailing user/tool message(s) only, i.e. the ones this call must answer. */
  toolResults: FakeToolResult[];
  /** Every text in the request joined, for `includes` assertions. */
  allText: string;
  body: unknown;
}

export type FakeBrain = (request: FakeRequest) => FakeReply;

export function textReply(text: string, usage?: FakeUsage): FakeReply {
  return { kind: 'message', blocks: [{ type: 'text', text }], ...(usage ? { usage } : {}) };
}

/** A tool call, optionally preceded by text. `name` is matched by suffix against the offered tools. */
export function toolReply(options: {
  name: string;
  input: unknown;
  text?: string;
  usage?: FakeUsage;
}): FakeReply {
  const blocks: FakeBlock[] = [];
  if (options.text) blocks.push({ type: 'text', text: options.text });
  blocks.push({ type: 'tool_use', name: options.name, input: options.input });
  return { kind: 'message', blocks, ...(options.usage ? { usage: options.usage } : {}) };
}

export function errorReply(options: { status: number; errorType: string; message: string }): FakeReply {
  return { kind: 'error', ...options };
}

export function promptTooLong(options: { tokens?: number; maximum?: number } = {}): FakeReply {
  const { tokens = 210_000, maximum = 200_000 } = options;
  return errorReply({
    status: 400,
    errorType: 'invalid_request_error',
    message: `prompt is too long: ${tokens} tokens > ${maximum} maximum`,
  });
}

export function overloaded(): FakeReply {
  return errorReply({ status: 529, errorType: 'overloaded_error', message: 'Overloaded' });
}

export function rateLimited(): FakeReply {
  return errorReply({
    status: 429,
    errorType: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit',
  });
}

export function serverError(): FakeReply {
  return errorReply({ status: 500, errorType: 'api_error', message: 'Internal server error' });
}

/** Streams `blocks` but drops the connection after `afterEvents` SSE events. */
export function connectionReset(options: { blocks: FakeBlock[]; afterEvents: number }): FakeReply {
  return { kind: 'reset', ...options };
}
