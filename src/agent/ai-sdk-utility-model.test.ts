import { MockLanguageModelV4 } from 'ai/test';
import { expect, test } from 'vitest';
import { AiSdkUtilityModel } from './ai-sdk-utility-model.ts';
import { priceUsage } from './model-pricing.ts';

/** Every call answers `text` and uses 500 input and 50 output tokens. */
function mockModel(text: string) {
  return new MockLanguageModelV4({
    modelId: 'claude-haiku-4-5',
    doGenerate: async () => ({
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: {
        inputTokens: { total: 500, noCache: 500, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 50, text: 50, reasoning: 0 },
      },
      warnings: [],
    }),
  });
}

const expectedUsage = priceUsage({
  model: 'claude-haiku-4-5',
  tokens: { inputTokens: 500, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 },
});

test('a summary comes back with its usage priced at the answering model’s price', async () => {
  const model = new AiSdkUtilityModel(mockModel('The user said hello.'));

  const result = await model.summarise({ transcript: 'User: hello', signal: new AbortController().signal });

  expect(result).toEqual({ text: 'The user said hello.', usage: expectedUsage, model: 'claude-haiku-4-5' });
  expect(result.usage.costKnown).toBe(true);
});

test('a title is asked for with the message and priced the same way', async () => {
  const mock = mockModel('Greeting the agent');
  const result = await new AiSdkUtilityModel(mock).title({ text: 'hello there' });

  expect(result).toEqual({ text: 'Greeting the agent', usage: expectedUsage, model: 'claude-haiku-4-5' });
  expect(JSON.stringify(mock.doGenerateCalls[0]?.prompt)).toContain('hello there');
});

test('an answer stopped at its output limit is marked truncated', async () => {
  const mock = new MockLanguageModelV4({
    modelId: 'claude-haiku-4-5',
    doGenerate: async () => ({
      content: [{ type: 'text', text: 'The user' }],
      finishReason: { unified: 'length', raw: 'max_tokens' },
      usage: {
        inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 4000, text: 4000, reasoning: 0 },
      },
      warnings: [],
    }),
  });
  const result = await new AiSdkUtilityModel(mock).summarise({
    transcript: 'User: hi',
    signal: new AbortController().signal,
  });
  expect(result.truncated).toBe(true);
});
