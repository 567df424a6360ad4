import { afterEach, expect, test } from 'vitest';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import { priceUsage } from '../agent/model-pricing.ts';
import type { UtilityModel, UtilityResult } from '../agent/utility-model.ts';
import type { StoredMessage } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { readWholeStream, startTurnTestService, type TurnTestService } from './turn-test-service.ts';

const model = 'claude-sonnet-4-5';
const tokens = (inputTokens: number) => ({
  inputTokens,
  outputTokens: 10,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

/** Attempt 1 uses tokens, then finds the prompt too long; attempt 2 answers. */
class TooLongOnceRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  attempts = 0;
  async *run(_input: AgentRunInput): AsyncIterable<AgentEvent> {
    this.attempts += 1;
    yield {
      type: 'usage',
      usage: priceUsage({ model, tokens: tokens(this.attempts === 1 ? 1000 : 200) }),
      model,
    };
    if (this.attempts === 1)
      throw new AppError('prompt_too_long', 'The conversation is too long for the model.');
    yield { type: 'text-start', id: 't' };
    yield { type: 'text-delta', id: 't', delta: 'Answer.' };
    yield { type: 'text-end', id: 't' };
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

const summaryTokens = { inputTokens: 500, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 };

/** The summary model: every call uses 500 input and 50 output tokens of claude-haiku-4-5. */
function summaryModel(): UtilityModel {
  const answer = async (): Promise<UtilityResult> => ({
    text: 'The user said hello.',
    usage: priceUsage({ model: 'claude-haiku-4-5', tokens: summaryTokens }),
    model: 'claude-haiku-4-5',
  });
  return { title: answer, summarise: answer };
}

let harness: TurnTestService | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

test('every attempt and the engine’s summary are charged to the turn, each at its model’s price', async () => {
  const runtime = new TooLongOnceRuntime();
  harness = await startTurnTestService({ runtime, utilityModel: summaryModel() });
  const session = await harness.store.createSession({ ownerId: 'u' });
  const scope = { ownerId: 'u', sessionId: session.id };
  // Some history, so there is something to summarise.
  for (const [index, role] of (['user', 'assistant', 'user', 'assistant'] as const).entries()) {
    await harness.store.appendMessage({
      ...scope,
      message: { id: `h${index}`, role, content: `earlier ${index}`, turnId: `old-${Math.floor(index / 2)}` },
    });
  }

  const result = await harness.service.submit({ ...scope, text: 'big question' });
  if (result.kind !== 'stream') throw new Error('expected a started turn');
  const events = await readWholeStream({ registry: harness.registry, streamId: result.turnId });

  expect(runtime.attempts).toBe(2);
  const attempts = priceUsage({ model, tokens: { ...tokens(1200), outputTokens: 20 } });
  const summary = priceUsage({ model: 'claude-haiku-4-5', tokens: summaryTokens });
  const expected = {
    inputTokens: 1200 + 500,
    outputTokens: 20 + 50,
    costKnown: true,
  };
  const metadata = events.find((event) => event.chunk.type === 'message-metadata')?.chunk;
  expect(metadata).toMatchObject({ messageMetadata: { usage: expected } });
  const stored = await harness.store.getSessionUsage(scope);
  expect(stored).toMatchObject(expected);
  expect(stored.costUsd).toBeCloseTo(attempts.costUsd + summary.costUsd, 10);
  const rows: StoredMessage[] = await harness.store.listMessages(scope);
  expect(rows.some((row) => row.toolCall?.name === 'context_compaction')).toBe(true);
});
