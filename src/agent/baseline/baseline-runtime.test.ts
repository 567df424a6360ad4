import { getGlobalDispatcher } from 'undici';
import { expect, test } from 'vitest';
import { CountingAgent } from '../../../test/support/counting-agent.ts';
import { startFakeAnthropicServer, startFakeOpenAIServer } from '../../../test/support/fake-model/index.ts';
import { runBaselineTurn } from '../../../test/support/scripted-provider.ts';
import { describeAgentRuntimeConformance } from '../conformance/agent-runtime-conformance.ts';
import { BaselineRuntime } from './baseline-runtime.ts';

describeAgentRuntimeConformance(
  'baseline',
  ({ baseUrl }) =>
    new BaselineRuntime({
      model: { provider: 'anthropic', apiKey: 'test-key', baseUrl, model: 'claude-test' },
      dispatcher: getGlobalDispatcher(),
      maxSteps: 5,
    }),
);

test.each([
  ['anthropic', startFakeAnthropicServer, ''],
  ['openai-compatible', startFakeOpenAIServer, '/v1'],
] as const)(
  '%s: model calls go through the dispatcher given, not the global one',
  async (provider, start, path) => {
    const fake = await start({});
    const agent = new CountingAgent();
    try {
      const { error } = await runBaselineTurn(
        { provider, apiKey: 'k', baseUrl: `${fake.url}${path}`, model: 'claude-test' },
        agent,
      );

      expect(error).toBeNull();
      expect(fake.requests).toHaveLength(1);
      expect(agent.dispatched).toBe(1);
    } finally {
      await agent.close();
      await fake.close();
    }
  },
);
