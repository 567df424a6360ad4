import { getGlobalDispatcher } from 'undici';
import { afterEach, describe, expect, test } from 'vitest';
import { echoExecutor } from '../../../test/support/echo-tool.ts';
import {
  type FakeModelServer,
  scriptedBrain,
  startFakeAnthropicServer,
  textReply,
} from '../../../test/support/fake-model/index.ts';
import type { ToolExecutor } from '../../tools/tool-executor.ts';
import { createLanguageModel, type StreamingModel } from '../language-model.ts';
import { AnthropicMessagesClient } from './anthropic-messages.ts';
import { runModelSteps, type StepEvent } from './model-steps.ts';

let fake: FakeModelServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Both model clients the step loop runs over against Anthropic: ours, and the AI SDK's provider. */
const clients: [string, (baseUrl: string) => StreamingModel][] = [
  [
    'our Messages API client',
    (baseUrl) =>
      new AnthropicMessagesClient({
        baseUrl,
        apiKey: 'k',
        model: 'claude-test',
        dispatcher: getGlobalDispatcher(),
      }),
  ],
  [
    "the AI SDK's provider",
    (baseUrl) => createLanguageModel({ provider: 'anthropic', apiKey: 'k', baseUrl, model: 'claude-test' }),
  ],
];

async function collect(options: {
  client: (baseUrl: string) => StreamingModel;
  tools: ToolExecutor;
  maxSteps: number;
}): Promise<StepEvent[]> {
  const model = options.client(fake!.url);
  const events: StepEvent[] = [];
  const steps = runModelSteps({
    model,
    prompt: [{ role: 'user', content: [{ type: 'text', text: 'think, then echo' }] }],
    tools: options.tools,
    toolSpecs: [
      { type: 'function', name: 'echo', description: 'Returns its text.', inputSchema: { type: 'object' } },
    ],
    maxSteps: options.maxSteps,
    maxOutputTokens: 1000,
    signal: new AbortController().signal,
  });
  for await (const event of steps) events.push(event);
  return events;
}

const thinkThenCall = {
  kind: 'message' as const,
  blocks: [
    { type: 'thinking' as const, thinking: 'The user wants an echo.' },
    { type: 'tool_use' as const, name: 'echo', input: { text: 'hi' } },
  ],
};

describe.each(clients)('the step loop over %s', (_name, client) => {
  test('a tool step goes back to the model with its thinking signature and the tool result', async () => {
    fake = await startFakeAnthropicServer({
      brain: scriptedBrain([
        { when: (request) => request.toolResults.length === 0, reply: thinkThenCall },
        { when: () => true, reply: textReply('Echoed.') },
      ]),
    });
    const events = await collect({
      client,
      tools: echoExecutor(async (input) => ({ output: { echoed: input.text } })),
      maxSteps: 5,
    });

    expect(fake.requests).toHaveLength(2);
    const second = fake.requests[1]!.body as { messages: { role: string; content: unknown }[] };
    expect(second.messages[1]).toEqual({
      role: 'assistant',
      content: [
        expect.objectContaining({
          type: 'thinking',
          thinking: 'The user wants an echo.',
          signature: expect.stringMatching(/^sig_fake_/),
        }),
        expect.objectContaining({ type: 'tool_use', name: 'echo', input: { text: 'hi' } }),
      ],
    });
    expect(fake.requests[1]!.toolResults).toEqual([
      expect.objectContaining({ content: JSON.stringify({ echoed: 'hi' }), isError: false }),
    ]);
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'step-start')).toHaveLength(2);
    expect(types.filter((type) => type === 'tokens')).toHaveLength(2);
    expect(types.indexOf('tool-call')).toBeLessThan(types.indexOf('tool-result'));
    expect(events).toContainEqual({ type: 'text-delta', id: expect.any(String), delta: 'Echoed.' });
  });

  test('a tool that throws gives its call an error result, and the step limit stops the loop', async () => {
    fake = await startFakeAnthropicServer({
      brain: scriptedBrain([{ when: () => true, reply: thinkThenCall }]),
    });
    const events = await collect({
      client,
      tools: echoExecutor(async () => {
        throw new Error('the echo broke');
      }),
      maxSteps: 2,
    });

    // Two model calls, each answered by a tool call: the limit, not the model, ends the loop.
    expect(fake.requests).toHaveLength(2);
    const results = events.filter((event) => event.type === 'tool-result');
    expect(results).toHaveLength(2);
    expect(results.every((event) => event.isError)).toBe(true);
    expect(fake.requests[1]!.toolResults).toEqual([expect.objectContaining({ isError: true })]);
    // The limit cut the task short: the loop says so after its last step.
    expect(events.slice(-2)).toEqual([
      { type: 'step-finish' },
      {
        type: 'notice',
        message: 'Stopped after 2 model calls, the most one turn may make. Send a message to let it go on.',
      },
    ]);
  });
});

test('a step cut after a tool call started waits for that call and records its result before failing', async () => {
  const { createServer } = await import('node:http');
  const frame = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(
        frame({ type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1 } } }),
      );
      response.write(
        frame({
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 'toolu_1', name: 'echo', input: {} },
        }),
      );
      response.write(
        frame({
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: '{"text":"hi"}' },
        }),
      );
      response.write(frame({ type: 'content_block_stop', index: 0 }));
      response.end(frame({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  const events: StepEvent[] = [];
  let failure: unknown;
  try {
    for await (const event of runModelSteps({
      model: new AnthropicMessagesClient({
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: 'k',
        model: 'claude-test',
        dispatcher: getGlobalDispatcher(),
      }),
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'echo' }] }],
      tools: echoExecutor(async ({ text }) => ({ output: `echoed ${text}` })),
      toolSpecs: [
        { type: 'function', name: 'echo', description: 'Returns its text.', inputSchema: { type: 'object' } },
      ],
      maxSteps: 3,
      maxOutputTokens: 100,
      signal: new AbortController().signal,
    })) {
      events.push(event);
    }
  } catch (error) {
    failure = error;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(failure).toMatchObject({ message: 'Overloaded' });
  // The call ran (a retried attempt must not overlap it), and what it did is on record.
  expect(events).toContainEqual(
    expect.objectContaining({ type: 'tool-result', toolCallId: 'toolu_1', isError: false }),
  );
});
