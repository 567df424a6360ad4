import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import Anthropic from '@anthropic-ai/sdk';
import { isStepCount, type LanguageModel, streamText, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  connectionReset,
  echoBrain,
  type FakeModelServer,
  type FakeRequest,
  overloaded,
  promptTooLong,
  scriptedBrain,
  startFakeAnthropicServer,
  startFakeOpenAIServer,
  textReply,
  toolReply,
} from './index.ts';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function track(started: Promise<FakeModelServer>): Promise<FakeModelServer> {
  const server = await started;
  servers.push(server);
  return server;
}

/** Answers `write …` with a write_file call, and the tool result with a summary; usage is fixed per step. */
const writeBrain = scriptedBrain([
  {
    when: (request) => request.toolResults.length > 0,
    reply: (request) =>
      textReply(`Saved: ${request.toolResults[0]?.content}`, {
        inputTokens: 25,
        outputTokens: 30,
        cacheReadTokens: 11,
        cacheWriteTokens: 7,
      }),
  },
  {
    when: (request) => request.lastUserText.startsWith('write'),
    reply: toolReply({
      name: 'write_file',
      input: { path: 'notes.md', content: 'hello world' },
      text: 'Writing it.',
      usage: { inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 },
    }),
  },
]);

async function runWriteTurn(model: LanguageModel) {
  const writes: unknown[] = [];
  const result = streamText({
    model,
    instructions: 'You are a test agent.',
    prompt: 'write notes.md hello world',
    tools: {
      write_file: tool({
        description: 'Write a file',
        inputSchema: z.object({ path: z.string(), content: z.string() }),
        execute: async (input) => {
          writes.push(input);
          return `wrote ${input.path}`;
        },
      }),
    },
    stopWhen: isStepCount(5),
    maxRetries: 0,
    maxOutputTokens: 1000,
  });
  const steps = await result.steps;
  return {
    writes,
    text: await result.text,
    usage: await result.usage,
    finishReasons: steps.map((step) => step.finishReason),
  };
}

function expectToolRoundTrip(requests: FakeRequest[]) {
  expect(requests).toHaveLength(2);
  expect(requests[0]?.system).toContain('You are a test agent.');
  expect(requests[0]?.toolNames).toEqual(['write_file']);
  expect(requests[0]?.stream).toBe(true);
  expect(requests[1]?.toolResults).toEqual([
    { toolUseId: expect.any(String), content: expect.stringContaining('wrote notes.md'), isError: false },
  ]);
  expect(requests[1]?.messages.find((message) => message.role === 'assistant')?.toolUses[0]).toMatchObject({
    name: 'write_file',
    input: { path: 'notes.md', content: 'hello world' },
  });
}

describe('fake Anthropic server', () => {
  it('drives an AI SDK tool loop through @ai-sdk/anthropic with usage mapped', async () => {
    const server = await track(startFakeAnthropicServer({ brain: writeBrain }));
    const provider = createAnthropic({ baseURL: `${server.url}/v1`, apiKey: 'test' });

    const turn = await runWriteTurn(provider('claude-fake'));

    expect(turn.writes).toEqual([{ path: 'notes.md', content: 'hello world' }]);
    expect(turn.text).toContain('Saved: wrote notes.md');
    expect(turn.finishReasons).toEqual(['tool-calls', 'stop']);
    expect(turn.usage.inputTokenDetails).toMatchObject({
      noCacheTokens: 45,
      cacheReadTokens: 11,
      cacheWriteTokens: 7,
    });
    expect(turn.usage.inputTokens).toBe(63);
    expect(turn.usage.outputTokens).toBe(40);
    expectToolRoundTrip(server.requests);
    expect(server.requests[0]?.path).toBe('/v1/messages');
    expect(server.requests[0]?.headers['x-api-key']).toBe('test');
  });

  it('streams thinking, text and tool input that the official SDK reassembles', async () => {
    const server = await track(
      startFakeAnthropicServer({
        brain: () => ({
          kind: 'message',
          blocks: [
            { type: 'thinking', thinking: 'The user wants a file listing, so call the tool.' },
            { type: 'text', text: 'Let me look at the files in the workspace for you.' },
            { type: 'tool_use', name: 'list_files', input: { directory: 'src', recursive: true } },
          ],
        }),
      }),
    );
    const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
    const tools = [{ name: 'list_files', input_schema: { type: 'object' as const } }];

    const message = await client.messages
      .stream({ model: 'claude-fake', max_tokens: 100, tools, messages: [{ role: 'user', content: 'ls' }] })
      .finalMessage();

    expect(message.id).toBe('msg_fake_1');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      expect.objectContaining({
        type: 'thinking',
        thinking: 'The user wants a file listing, so call the tool.',
      }),
      expect.objectContaining({ type: 'text', text: 'Let me look at the files in the workspace for you.' }),
      expect.objectContaining({
        type: 'tool_use',
        id: 'toolu_fake_1_3',
        input: { directory: 'src', recursive: true },
      }),
    ]);
    const counted = await client.messages.countTokens({
      model: 'claude-fake',
      messages: [{ role: 'user', content: 'count me' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(server.otherRequests.map((request) => request.path)).toEqual(['/v1/messages/count_tokens']);
  });

  it('answers role:system messages and ?beta=true without streaming', async () => {
    const server = await track(startFakeAnthropicServer({}));
    const response = await fetch(`${server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-fake',
        system: [{ type: 'text', text: 'top-level' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '<system-reminder>\nharness note\n</system-reminder>\n' },
              { type: 'text', text: 'hi there' },
            ],
          },
          { role: 'system', content: 'environment details' },
        ],
      }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'You said: hi there' }],
      stop_reason: 'end_turn',
    });
    expect(server.requests[0]).toMatchObject({
      query: 'beta=true',
      system: 'top-level\n<system-reminder>\nharness note\n</system-reminder>\nenvironment details',
      systemMessageCount: 1,
      lastUserText: 'hi there',
    });
  });

  it('injects 529 and prompt-too-long errors that the official SDK reads', async () => {
    const server = await track(startFakeAnthropicServer({ brain: () => overloaded() }));
    const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
    const send = () =>
      client.messages.create({
        model: 'claude-fake',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      });

    const overloadError = await send().catch((error: unknown) => error);
    expect(overloadError).toBeInstanceOf(Anthropic.APIError);
    expect(overloadError).toMatchObject({ status: 529, type: 'overloaded_error', requestID: 'req_fake_1' });

    server.setBrain(() => promptTooLong());
    const tooLong = await send().catch((error: unknown) => error);
    expect(tooLong).toBeInstanceOf(Anthropic.BadRequestError);
    expect((tooLong as InstanceType<typeof Anthropic.APIError>).apiMessage).toBe(
      'prompt is too long: 210000 tokens > 200000 maximum',
    );
    expect(server.requests).toHaveLength(2);
  });

  it('fails an AI SDK stream when the connection resets after some text', async () => {
    const server = await track(
      startFakeAnthropicServer({
        brain: () =>
          connectionReset({
            blocks: [
              { type: 'text', text: 'This answer is going to be cut off halfway through the sentence.' },
            ],
            afterEvents: 4,
          }),
      }),
    );
    const failures: unknown[] = [];
    const result = streamText({
      model: createAnthropic({ baseURL: `${server.url}/v1`, apiKey: 'test' })('claude-fake'),
      prompt: 'hello',
      maxRetries: 0,
      maxOutputTokens: 1000,
      // Collect instead of the default console.error, which would only add noise here.
      onError: ({ error }) => failures.push(error),
    });

    let text = '';
    try {
      for await (const part of result.stream) {
        if (part.type === 'text-delta') text += part.text;
        if (part.type === 'error') failures.push(part.error);
      }
    } catch (error) {
      failures.push(error);
    }

    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain('sentence.');
    expect(failures).not.toHaveLength(0);
  });

  it('serves concurrent paced streams, each answered from its own content', async () => {
    const server = await track(startFakeAnthropicServer({ chunkDelayMs: 5 }));
    const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
    const ask = (content: string) =>
      client.messages
        .stream({ model: 'claude-fake', max_tokens: 10, messages: [{ role: 'user', content }] })
        .finalText();

    const answers = await Promise.all(
      ['alpha one two three', 'beta four five six', 'gamma seven eight'].map(ask),
    );

    expect(answers).toEqual([
      'You said: alpha one two three',
      'You said: beta four five six',
      'You said: gamma seven eight',
    ]);
    expect(server.requests).toHaveLength(3);
  });
});

describe('fake OpenAI server', () => {
  it('drives an AI SDK tool loop through @ai-sdk/openai-compatible with usage mapped', async () => {
    const server = await track(startFakeOpenAIServer({ brain: writeBrain }));
    const provider = createOpenAICompatible({
      name: 'fake',
      baseURL: `${server.url}/v1`,
      apiKey: 'test',
      includeUsage: true,
    });

    const turn = await runWriteTurn(provider('fake-model'));

    expect(turn.writes).toEqual([{ path: 'notes.md', content: 'hello world' }]);
    expect(turn.text).toContain('Saved: wrote notes.md');
    expect(turn.finishReasons).toEqual(['tool-calls', 'stop']);
    expect(turn.usage.inputTokens).toBe(63);
    expect(turn.usage.inputTokenDetails.cacheReadTokens).toBe(11);
    expect(turn.usage.outputTokens).toBe(40);
    expectToolRoundTrip(server.requests);
    expect(server.requests[0]?.path).toBe('/v1/chat/completions');
    expect(server.requests[1]?.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
    ]);
  });

  it('returns OpenAI-style error bodies the provider surfaces', async () => {
    const server = await track(startFakeOpenAIServer({ brain: () => promptTooLong() }));
    const provider = createOpenAICompatible({ name: 'fake', baseURL: `${server.url}/v1`, apiKey: 'test' });
    const errors: unknown[] = [];
    const result = streamText({
      model: provider('fake-model'),
      prompt: 'hello',
      maxRetries: 0,
      onError: ({ error }) => errors.push(error),
    });

    await result.consumeStream();

    expect(errors[0]).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('prompt is too long'),
    });
  });
});

describe('brains', () => {
  it('resolves a brain tool name against the offered MCP-prefixed tool', async () => {
    const server = await track(startFakeAnthropicServer({ brain: echoBrain }));
    const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
    const tools = [
      { name: 'Read', input_schema: { type: 'object' as const } },
      { name: 'mcp__autopilot__write_file', input_schema: { type: 'object' as const } },
    ];

    const message = await client.messages.create({
      model: 'claude-fake',
      max_tokens: 10,
      tools,
      messages: [{ role: 'user', content: 'write a.txt hello' }],
    });

    expect(message.content).toEqual([
      {
        type: 'tool_use',
        id: 'toolu_fake_1_1',
        name: 'mcp__autopilot__write_file',
        input: { path: 'a.txt', content: 'hello' },
      },
    ]);
  });
});
