import { afterEach, expect, test } from 'vitest';
import { CountingAgent } from '../../test/support/counting-agent.ts';
import {
  type FakeModelServer,
  startFakeOpenAIServer,
  textReply,
} from '../../test/support/fake-model/index.ts';
import { createUtilityModel } from './utility-model.ts';

let fake: FakeModelServer | undefined;
let dispatcher: CountingAgent | undefined;
afterEach(async () => {
  await dispatcher?.close();
  await fake?.close();
  fake = undefined;
  dispatcher = undefined;
});

test('on an OpenAI-compatible endpoint, titles and summaries go through the pool they are given', async () => {
  fake = await startFakeOpenAIServer({ brain: () => textReply('Greeting the agent') });
  dispatcher = new CountingAgent();
  const model = createUtilityModel(
    { provider: 'openai-compatible', baseUrl: `${fake.url}/v1`, apiKey: 'k', model: 'fake-model' },
    dispatcher,
  );

  expect((await model.title({ text: 'hello there' })).text).toBe('Greeting the agent');
  await model.summarise({ transcript: 'User: hello', signal: new AbortController().signal });

  expect(fake.requests).toHaveLength(2);
  expect(dispatcher.dispatched).toBe(2);
});
