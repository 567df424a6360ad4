import { getGlobalDispatcher } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { CountingAgent } from '../../test/support/counting-agent.ts';
import { type FakeModelServer, startFakeAnthropicServer } from '../../test/support/fake-model/index.ts';
import { startScriptedProvider } from '../../test/support/scripted-provider.ts';
import { AnthropicUtilityModel } from './anthropic-utility-model.ts';
import { priceUsage } from './model-pricing.ts';

let fake: FakeModelServer | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(): Promise<AnthropicUtilityModel> {
  fake = await startFakeAnthropicServer({
    brain: () => ({
      kind: 'message',
      blocks: [{ type: 'text', text: 'Greeting the agent' }],
      usage: { inputTokens: 500, outputTokens: 50, cacheReadTokens: 20, cacheWriteTokens: 10 },
    }),
  });
  return new AnthropicUtilityModel({
    baseUrl: fake.url,
    apiKey: 'test-key',
    model: 'claude-haiku-4-5',
    dispatcher: getGlobalDispatcher(),
  });
}

test('a title is one request with the message, its usage priced at the model’s price', async () => {
  const model = await start();

  const result = await model.title({ text: 'hello there' });

  expect(result).toEqual({
    text: 'Greeting the agent',
    usage: priceUsage({
      model: 'claude-haiku-4-5',
      tokens: { inputTokens: 500, outputTokens: 50, cacheReadTokens: 20, cacheWriteTokens: 10 },
    }),
    model: 'claude-haiku-4-5',
  });
  expect(fake?.requests).toHaveLength(1);
  const [request] = fake?.requests ?? [];
  expect(request?.stream).toBe(false);
  expect(request?.headers['x-api-key']).toBe('test-key');
  expect(request?.system).toContain('title');
  expect(request?.messages[0]?.text).toBe('hello there');
});

test('the call goes through the dispatcher it was given, not the global one', async () => {
  await start();
  const agent = new CountingAgent();
  const model = new AnthropicUtilityModel({
    baseUrl: fake!.url,
    apiKey: 'test-key',
    model: 'claude-haiku-4-5',
    dispatcher: agent,
  });

  await model.title({ text: 'hello there' });

  expect(agent.dispatched).toBe(1);
  expect(fake?.requests).toHaveLength(1);
  await agent.close();
});

test('a provider error rejects, so the caller falls back', async () => {
  fake = await startFakeAnthropicServer({
    brain: () => ({ kind: 'error', status: 529, errorType: 'overloaded_error', message: 'Overloaded' }),
  });
  const model = new AnthropicUtilityModel({
    baseUrl: fake.url,
    apiKey: 'k',
    model: 'claude-haiku-4-5',
    dispatcher: getGlobalDispatcher(),
  });

  await expect(
    model.summarise({ transcript: 'User: hello', signal: new AbortController().signal }),
  ).rejects.toThrow(/529/);
});

test('an answer stopped at its output limit is marked truncated; a whole one is not', async () => {
  let stopReason = 'max_tokens';
  const provider = await startScriptedProvider((response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const usage = { input_tokens: 10, output_tokens: 4000 };
    response.end(
      JSON.stringify({ content: [{ type: 'text', text: 'The user' }], stop_reason: stopReason, usage }),
    );
  });
  try {
    const model = new AnthropicUtilityModel({
      baseUrl: provider.url,
      apiKey: 'k',
      model: 'claude-haiku-4-5',
      dispatcher: getGlobalDispatcher(),
    });
    const signal = new AbortController().signal;
    expect((await model.summarise({ transcript: 'User: hi', signal })).truncated).toBe(true);
    stopReason = 'end_turn';
    expect((await model.summarise({ transcript: 'User: hi', signal })).truncated).toBeUndefined();
  } finally {
    await provider.close();
  }
});
