import type { ServerResponse } from 'node:http';
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { echoExecutor } from '../../../test/support/echo-tool.ts';
import {
  type FakeModelServer,
  scriptedBrain,
  startFakeOpenAIServer,
  textReply,
} from '../../../test/support/fake-model/index.ts';
import {
  runAgainstEndlessErrorBody,
  runAgainstOpenEndedAnswer,
  runBaselineTurn,
  type ScriptedProvider,
  startScriptedProvider,
} from '../../../test/support/scripted-provider.ts';
import type { AppError } from '../../util/app-error.ts';
import type { ModelCallOptions } from '../language-model.ts';
import { runModelSteps, type StepEvent } from './model-steps.ts';
import { OpenAIChatClient } from './openai-chat.ts';

let fake: FakeModelServer | undefined;
let provider: ScriptedProvider | undefined;
afterEach(async () => {
  await fake?.close();
  await provider?.close();
  fake = undefined;
  provider = undefined;
});

test('a tool step against the fake OpenAI server: the body the SDK sent, the results back, usage with its cached share', async () => {
  fake = await startFakeOpenAIServer({
    brain: scriptedBrain([
      {
        when: (request) => request.toolResults.length === 0,
        reply: {
          kind: 'message',
          blocks: [
            { type: 'thinking', thinking: 'The user wants an echo.' },
            { type: 'tool_use', name: 'echo', input: { text: 'hi' } },
          ],
          usage: { inputTokens: 30, outputTokens: 9, cacheReadTokens: 70 },
        },
      },
      { when: () => true, reply: textReply('Echoed.') },
    ]),
  });
  const events: StepEvent[] = [];
  const steps = runModelSteps({
    model: new OpenAIChatClient({
      baseUrl: `${fake.url}/v1/`,
      apiKey: null,
      model: 'qwen3',
      dispatcher: getGlobalDispatcher(),
    }),
    prompt: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'echo this picture' },
          { type: 'file', mediaType: 'image/png', data: { type: 'data', data: 'iVBORw0KGgo=' } },
        ],
      },
    ],
    tools: echoExecutor(async (input) => ({ output: { echoed: input.text } })),
    toolSpecs: [
      { type: 'function', name: 'echo', description: 'Returns its text.', inputSchema: { type: 'object' } },
    ],
    maxSteps: 3,
    maxOutputTokens: 1000,
    signal: new AbortController().signal,
  });
  for await (const event of steps) events.push(event);

  expect(fake.requests.map((request) => request.path)).toEqual([
    '/v1/chat/completions',
    '/v1/chat/completions',
  ]);
  // No key configured: no Authorization header at all (a local server needs none).
  expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  expect(fake.requests[0]!.body).toEqual({
    model: 'qwen3',
    max_tokens: 1000,
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'echo this picture' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ],
    tools: [
      {
        type: 'function',
        function: { name: 'echo', description: 'Returns its text.', parameters: { type: 'object' } },
      },
    ],
    tool_choice: 'auto',
    stream: true,
    stream_options: { include_usage: true },
  });
  const second = fake.requests[1]!.body as { messages: Record<string, unknown>[] };
  const call = events.find((event) => event.type === 'tool-call');
  expect(second.messages.slice(2)).toEqual([
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'The user wants an echo.',
      tool_calls: [
        {
          id: call?.type === 'tool-call' ? call.toolCallId : 'missing',
          type: 'function',
          function: { name: 'echo', arguments: '{"text":"hi"}' },
        },
      ],
    },
    { role: 'tool', tool_call_id: expect.stringMatching(/^call_fake_/), content: '{"echoed":"hi"}' },
  ]);
  expect(events).toContainEqual({
    type: 'reasoning-delta',
    id: expect.any(String),
    delta: 'The user wants an echo.',
  });
  expect(events).toContainEqual({ type: 'text-delta', id: expect.any(String), delta: 'Echoed.' });
  const tokens = events.flatMap((event) => (event.type === 'tokens' ? [event.tokens] : []));
  expect(tokens[0]).toEqual({ inputTokens: 30, outputTokens: 9, cacheReadTokens: 70, cacheWriteTokens: 0 });
  expect(tokens).toHaveLength(2);
});

function run(baseUrl: string, apiKey: string | null = 'sk-test', dispatcher?: Dispatcher) {
  return runBaselineTurn({ provider: 'openai-compatible', apiKey, baseUrl, model: 'gpt-test' }, dispatcher);
}

async function answerWith(answer: (response: ServerResponse) => void): Promise<string> {
  provider = await startScriptedProvider(answer);
  return provider.url;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const textChunk = (content: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

test('an answer whose response stays open after [DONE] finishes at once, and its connection is let go', async () => {
  const answer = `${textChunk('Done.')}${deltaChunk({}, 'stop')}data: [DONE]\n\n`;
  const { results, closedAfterMs } = await runAgainstOpenEndedAnswer({
    answer,
    endAfterMs: null,
    runs: 1,
    run: (url, dispatcher) => run(url, 'sk-test', dispatcher),
  });
  expect(results[0]!.error).toBeNull();
  expect(results[0]!.events).toContainEqual({ type: 'text-delta', id: 'txt-0', delta: 'Done.' });
  expect(closedAfterMs[0]).toBeLessThan(5_000);
});

test('a response that ends just after [DONE] keeps its connection for the next call', async () => {
  const answer = `${textChunk('Done.')}${deltaChunk({}, 'stop')}data: [DONE]\n\n`;
  const { results, connections } = await runAgainstOpenEndedAnswer({
    answer,
    endAfterMs: 50,
    runs: 2,
    run: (url, dispatcher) => run(url, 'sk-test', dispatcher),
  });
  expect(results.map((result) => result.error)).toEqual([null, null]);
  expect(connections).toBe(1);
});

test('a refused call is classified by its status and body: 429 rate limiting, 401 the key, a long prompt', async () => {
  let status = 429;
  let body: unknown = { error: { message: 'Rate limit reached for requests', type: 'requests' } };
  const url = await answerWith((response) => sendJson(response, status, body));
  const limited = await run(url);
  expect((limited.error as AppError).code).toBe('transient_api_error');
  expect((limited.error as AppError).message).toMatch(/rate limiting/);
  expect(limited.events).toEqual([]);
  // A key is sent as a bearer token.
  expect(provider!.requests[0]!.headers.authorization).toBe('Bearer sk-test');

  status = 401;
  body = { error: 'Invalid token' };
  expect(((await run(url)).error as AppError).code).toBe('authentication_failed');

  status = 400;
  body = {
    error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error' },
  };
  expect(((await run(url)).error as AppError).code).toBe('prompt_too_long');
});

test('an error body that never ends is read only up to a cap, and the connection is let go', async () => {
  const { error, responseBody } = await runAgainstEndlessErrorBody({ status: 503, run: (url) => run(url) });
  expect((error as AppError).code).toBe('transient_api_error');
  expect(responseBody.length).toBeLessThanOrEqual(64 * 1024);
});

test('a stream cut before its finish is an interruption; an error chunk mid-stream is classified by its message', async () => {
  let ending = '';
  const url = await answerWith((response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(textChunk('The answer is'));
    response.end(ending);
  });
  const cut = await run(url);
  expect(cut.events).toContainEqual({ type: 'text-delta', id: 'txt-0', delta: 'The answer is' });
  expect((cut.error as AppError).code).toBe('transient_api_error');
  expect((cut.error as AppError).message).toMatch(/interrupted/);

  ending = `data: ${JSON.stringify({ error: { message: 'The server is overloaded', type: 'server_error' } })}\n\n`;
  const failed = await run(url);
  expect((failed.error as AppError).message).toMatch(/busy/);

  ending = 'data: {not json}\n\n';
  const malformed = await run(url);
  expect(String((malformed.error as AppError).cause)).toMatch(/malformed stream event/);
});

/** One chunk of a streamed choice, as Groq and Cerebras stream gpt-oss: the thinking under `reasoning`. */
const deltaChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

test('reasoning streamed as `reasoning` goes back as `reasoning`: Groq and Cerebras refuse `reasoning_content`', async () => {
  const url = await answerWith((response) => {
    const last = provider!.requests.at(-1)!.body as { messages: Record<string, unknown>[] };
    // Groq: "'messages.2' : for 'role:assistant' the following must be satisfied
    // [('messages.2' : property 'reasoning_content' is unsupported)]".
    const refused = last.messages.findIndex((message) => 'reasoning_content' in message);
    if (refused !== -1) {
      sendJson(response, 400, {
        error: {
          message: `'messages.${refused}' : for 'role:assistant' the following must be satisfied[('messages.${refused}' : property 'reasoning_content' is unsupported)]`,
          type: 'invalid_request_error',
        },
      });
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    if (last.messages.some((message) => message.role === 'tool')) {
      response.end(`${deltaChunk({ content: 'Echoed.' }, 'stop')}data: [DONE]\n\n`);
      return;
    }
    response.end(
      deltaChunk({ role: 'assistant', reasoning: 'The user wants an echo.' }) +
        deltaChunk({
          tool_calls: [
            {
              index: 0,
              id: 'fc_1',
              type: 'function',
              function: { name: 'echo', arguments: '{"text":"hi"}' },
            },
          ],
        }) +
        deltaChunk({}, 'tool_calls') +
        'data: [DONE]\n\n',
    );
  });
  const model = new OpenAIChatClient({
    baseUrl: `${url}/openai/v1`,
    apiKey: 'gsk',
    model: 'openai/gpt-oss-120b',
    dispatcher: getGlobalDispatcher(),
  });
  const turn = async (prompt: ModelCallOptions['prompt']) => {
    const events: StepEvent[] = [];
    let failure: unknown;
    try {
      for await (const event of runModelSteps({
        model,
        prompt,
        tools: echoExecutor(async (input) => ({ output: { echoed: input.text } })),
        toolSpecs: [
          {
            type: 'function',
            name: 'echo',
            description: 'Returns its text.',
            inputSchema: { type: 'object' },
          },
        ],
        maxSteps: 3,
        maxOutputTokens: 1000,
        signal: new AbortController().signal,
      })) {
        events.push(event);
      }
    } catch (error) {
      failure = error;
    }
    return { events, failure };
  };
  const first = await turn([{ role: 'user', content: [{ type: 'text', text: 'echo hi' }] }]);
  expect(first.failure).toBeUndefined();
  expect(first.events).toContainEqual({ type: 'text-delta', id: expect.any(String), delta: 'Echoed.' });
  const second = provider!.requests[1]!.body as { messages: Record<string, unknown>[] };
  expect(second.messages[1]).toMatchObject({ role: 'assistant', reasoning: 'The user wants an echo.' });

  // The next turn: the stored reasoning keeps its field (see toModelMessages) and goes back in it.
  const next = await turn([
    { role: 'user', content: [{ type: 'text', text: 'echo hi' }] },
    {
      role: 'assistant',
      content: [
        {
          type: 'reasoning',
          text: 'The user wants an echo.',
          providerOptions: { 'openai-compatible': { reasoningField: 'reasoning' } },
        },
        { type: 'tool-call', toolCallId: 'fc_1', toolName: 'echo', input: { text: 'hi' } },
      ],
    },
    {
      role: 'tool',
      content: [
        { type: 'tool-result', toolCallId: 'fc_1', toolName: 'echo', output: { type: 'text', value: 'hi' } },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: 'Echoed.' }] },
    { role: 'user', content: [{ type: 'text', text: 'again' }] },
  ]);
  expect(next.failure).toBeUndefined();
  const third = provider!.requests[2]!.body as { messages: Record<string, unknown>[] };
  expect(third.messages[1]).toMatchObject({ role: 'assistant', reasoning: 'The user wants an echo.' });
});

test("usage given in the finishing choice (Moonshot's Kimi API) is counted", async () => {
  const url = await answerWith((response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(
      deltaChunk({ role: 'assistant', content: 'Hello' }) +
        `data: ${JSON.stringify({
          choices: [
            {
              index: 0,
              delta: {},
              finish_reason: 'stop',
              usage: { prompt_tokens: 1336, completion_tokens: 31, total_tokens: 1367, cached_tokens: 1280 },
            },
          ],
        })}\n\n` +
        'data: [DONE]\n\n',
    );
  });
  const events: StepEvent[] = [];
  for await (const event of runModelSteps({
    model: new OpenAIChatClient({
      baseUrl: url,
      apiKey: 'sk',
      model: 'kimi-k2',
      dispatcher: getGlobalDispatcher(),
    }),
    prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    tools: echoExecutor(async () => ({ output: null })),
    toolSpecs: [],
    maxSteps: 1,
    maxOutputTokens: 1000,
    signal: new AbortController().signal,
  })) {
    events.push(event);
  }
  const tokens = events.flatMap((event) => (event.type === 'tokens' ? [event.tokens] : []));
  expect(tokens).toEqual([{ inputTokens: 56, outputTokens: 31, cacheReadTokens: 1280, cacheWriteTokens: 0 }]);
});
