import { sendMessage } from '../test/support/test-server.ts';
import { parseUIStream } from '../test/support/ui-stream.ts';
import { type ClaudeBenchServer, expectedReply } from './claude-server.ts';

/** One claude-runtime turn, in milliseconds from just before the POST. */
export interface ClaudeTurnSample {
  /** Until the fake received the main model request: the per-turn overhead before the model. */
  modelRequestMs: number;
  /** Until the turn's stream ended. */
  turnMs: number;
}

/** Sends one message and reads its stream to the end; a reply other than the fake's is a failed run. */
export async function measureClaudeTurn(options: {
  bench: ClaudeBenchServer;
  sessionId: string;
  prompt: string;
}): Promise<ClaudeTurnSample> {
  const { bench, sessionId, prompt } = options;
  const startedAt = performance.now();
  const response = await sendMessage(bench.server, { sessionId, text: prompt });
  if (response.status !== 200) throw new Error(`POST /messages answered ${response.status}`);
  const body = await response.text();
  const endedAt = performance.now();
  // Parsed after the clock stops: the check is not part of what is measured.
  const { message, errors } = await parseUIStream(new Response(body).body!);
  const text = message?.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
  if (errors.length > 0 || text !== expectedReply(prompt)) {
    throw new Error(`the ${bench.path} turn streamed an unexpected reply: ${text} ${JSON.stringify(errors)}`);
  }
  return { modelRequestMs: bench.arrivals.take(prompt) - startedAt, turnMs: endedAt - startedAt };
}
