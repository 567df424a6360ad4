/** One call of the engine's own model: what to ask, how long the answer may be, when to give up. */
export interface UtilityCall {
  instructions: string;
  prompt: string;
  maxOutputTokens: number;
  signal: AbortSignal;
}

const titleTimeoutMs = 15_000;

/** The title request, the same for every model client. */
export function titleCall(text: string): UtilityCall {
  return {
    instructions:
      'Generate a very short title (3-6 words) for a conversation that starts with the user message below. ' +
      'Return only the title, without quotes or punctuation at the end.',
    prompt: text.slice(0, 500),
    maxOutputTokens: 24,
    signal: AbortSignal.timeout(titleTimeoutMs),
  };
}

/** The summary request of a conversation that no longer fits, the same for every model client. */
export function summaryCall(options: { transcript: string; signal: AbortSignal }): UtilityCall {
  return {
    instructions:
      'Summarise this conversation between a user and an AI agent so the agent can continue it. ' +
      'Keep facts, decisions, file names, open tasks and the user’s preferences. Be concise.',
    prompt: options.transcript,
    maxOutputTokens: 4_000,
    signal: options.signal,
  };
}
