import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { afterEach, expect, test } from 'vitest';
import {
  runAgainstEndlessErrorBody,
  runAgainstOpenEndedAnswer,
  runBaselineTurn,
  type ScriptedProvider,
  startScriptedProvider,
} from '../../../test/support/scripted-provider.ts';
import { AppError } from '../../util/app-error.ts';
import { maxAnswerChars } from './post-event-stream.ts';

let provider: ScriptedProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

/** A Messages API endpoint that answers every call with `answer`: the cases the fake model does not script. */
async function startProvider(answer: (response: ServerResponse) => void): Promise<string> {
  provider = await startScriptedProvider(answer);
  return provider.url;
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\r\ndata: ${JSON.stringify(data)}\r\n\r\n`;
}

/** A 200 stream that has started a text answer: message_start, then one text block with `text`. */
function beginTextAnswer(options: { response: ServerResponse; inputTokens: number; text: string }): void {
  const { response } = options;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  const usage = { input_tokens: options.inputTokens, output_tokens: 1 };
  response.write(frame('message_start', { type: 'message_start', message: { usage } }));
  const block = { type: 'text', text: '' };
  response.write(
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: block }),
  );
  const delta = { type: 'text_delta', text: options.text };
  response.write(frame('content_block_delta', { type: 'content_block_delta', index: 0, delta }));
}

function run(baseUrl: string, dispatcher?: Dispatcher) {
  return runBaselineTurn(
    { provider: 'anthropic', apiKey: 'k', baseUrl, model: 'claude-sonnet-4-5' },
    dispatcher,
  );
}

/** A whole text answer, message_stop included. */
function wholeAnswer(text: string): string {
  const usage = { input_tokens: 4, output_tokens: 2 };
  return [
    frame('message_start', { type: 'message_start', message: { usage } }),
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text' } }),
    frame('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text },
    }),
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage }),
    frame('message_stop', { type: 'message_stop' }),
  ].join('');
}

test('an answer whose response stays open after message_stop finishes at once, and its connection is let go', async () => {
  const { results, closedAfterMs } = await runAgainstOpenEndedAnswer({
    answer: wholeAnswer('Done.'),
    endAfterMs: null,
    runs: 1,
    run,
  });
  expect(results[0]!.error).toBeNull();
  expect(results[0]!.events).toContainEqual({ type: 'text-delta', id: '0', delta: 'Done.' });
  expect(closedAfterMs[0]).toBeLessThan(5_000);
});

test('a response that ends just after message_stop keeps its connection for the next call', async () => {
  const { results, connections } = await runAgainstOpenEndedAnswer({
    answer: wholeAnswer('Done.'),
    endAfterMs: 50,
    runs: 2,
    run,
  });
  expect(results.map((result) => result.error)).toEqual([null, null]);
  expect(connections).toBe(1);
});

test('an error event mid-stream is the provider being busy, and the step is charged for what it used', async () => {
  const url = await startProvider((response) => {
    beginTextAnswer({ response, inputTokens: 42, text: 'Hel' });
    response.end(
      frame('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    );
  });
  const { events, error } = await run(url);

  expect(events).toContainEqual({ type: 'text-delta', id: '0', delta: 'Hel' });
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('transient_api_error');
  expect((error as AppError).message).toMatch(/busy/);
  const usage = events.filter((event) => event.type === 'usage');
  expect(usage).toEqual([expect.objectContaining({ usage: expect.objectContaining({ inputTokens: 42 }) })]);
});

test('a refused call keeps its status and body for classification: 429 is rate limiting, a long prompt is prompt_too_long', async () => {
  let status = 429;
  let body = {
    type: 'error',
    error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
  };
  const url = await startProvider((response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  const limited = await run(url);
  expect((limited.error as AppError).code).toBe('transient_api_error');
  expect((limited.error as AppError).message).toMatch(/rate limiting/);
  expect(limited.events).toEqual([]);

  status = 400;
  body = {
    type: 'error',
    error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' },
  };
  const tooLong = await run(url);
  expect((tooLong.error as AppError).code).toBe('prompt_too_long');
});

test('an error body that never ends is read only up to a cap, and the connection is let go', async () => {
  const { error, responseBody } = await runAgainstEndlessErrorBody({ status: 502, run: (url) => run(url) });
  expect((error as AppError).code).toBe('transient_api_error');
  expect(responseBody.length).toBeLessThanOrEqual(64 * 1024);
});

test('a reader that leaves mid-answer closes the connection at once: the model stops there', async () => {
  let written = 0;
  let closedAfterMs: Promise<number> | undefined;
  const url = await startProvider((response) => {
    beginTextAnswer({ response, inputTokens: 3, text: 'Hel' });
    response.write(
      frame('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    );
    written = performance.now();
    // The server keeps the response open and says a little now and then.
    const pings = setInterval(() => response.write(frame('ping', { type: 'ping' })), 50);
    closedAfterMs = new Promise((resolve) =>
      response.on('close', () => {
        clearInterval(pings);
        resolve(performance.now() - written);
      }),
    );
  });
  const { error } = await run(url);
  expect((error as AppError).code).toBe('transient_api_error');
  // An answer already complete would be given up to a second to end; this one is not waited for.
  expect(await closedAfterMs).toBeLessThan(500);
});

test('a stream that ends before message_stop is an interruption, not a finished answer', async () => {
  const url = await startProvider((response) => {
    beginTextAnswer({ response, inputTokens: 7, text: 'The answer is' });
    // A proxy ends the response cleanly in the middle of the answer.
    response.end();
  });
  const { events, error } = await run(url);
  expect(events).toContainEqual({ type: 'text-delta', id: '0', delta: 'The answer is' });
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('transient_api_error');
  expect((error as AppError).message).toMatch(/interrupted/);
});

test('a message that stops with a tool call still open is an interruption, not a call without its end', async () => {
  const url = await startProvider((response) => {
    beginTextAnswer({ response, inputTokens: 7, text: 'Let me look.' });
    response.write(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
    const tool = { type: 'tool_use', id: 'toolu_1', name: 'read_file' };
    response.write(
      frame('content_block_start', { type: 'content_block_start', index: 1, content_block: tool }),
    );
    const delta = { type: 'input_json_delta', partial_json: '{"path":"a' };
    response.write(frame('content_block_delta', { type: 'content_block_delta', index: 1, delta }));
    response.end(frame('message_stop', { type: 'message_stop' }));
  });
  const { events, error } = await run(url);
  expect(events.some((event) => event.type === 'tool-call')).toBe(false);
  expect((error as AppError).code).toBe('transient_api_error');
  expect((error as AppError).message).toMatch(/interrupted/);
});

test('an answer that streams on past the cap fails the step with a clear error, and its connection is closed', async () => {
  let closed: Promise<void> | undefined;
  const url = await startProvider((response) => {
    beginTextAnswer({ response, inputTokens: 5, text: 'Once' });
    closed = new Promise((resolve) => response.on('close', resolve));
    const delta = frame('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: ' and again'.repeat(10_000) },
    });
    const pour = () => {
      while (!response.destroyed && response.write(delta)) {}
    };
    response.on('drain', pour);
    pour();
  });
  const { events, error } = await run(url);
  await closed;
  expect(events).toContainEqual({ type: 'text-delta', id: '0', delta: 'Once' });
  expect(error).toBeInstanceOf(AppError);
  expect(String((error as AppError).cause ?? error)).toMatch(/stream longer than 33554432 characters/);
  const streamed = events.reduce(
    (sum, event) => sum + (event.type === 'text-delta' ? event.delta.length : 0),
    0,
  );
  expect(streamed).toBeLessThanOrEqual(maxAnswerChars);
});

test('a stream event that is not a JSON object fails the step with a clear error, not a crash', async () => {
  const url = await startProvider((response) => {
    beginTextAnswer({ response, inputTokens: 3, text: 'Partly' });
    response.end('event: ping\r\ndata: null\r\n\r\n');
  });
  const { events, error } = await run(url);
  expect(events).toContainEqual({ type: 'text-delta', id: '0', delta: 'Partly' });
  expect(error).toBeInstanceOf(AppError);
  expect(String((error as AppError).cause ?? error)).toMatch(/malformed stream event/);
});

test('deltas that arrive in one read join, per block, and the reply is unchanged', async () => {
  const url = await startProvider((response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const usage = { input_tokens: 5, output_tokens: 9 };
    const delta = (index: number, value: Record<string, string>) =>
      frame('content_block_delta', { type: 'content_block_delta', index, delta: value });
    // The whole answer in one write, so it reaches the client in one read.
    response.end(
      [
        frame('message_start', { type: 'message_start', message: { usage } }),
        frame('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'thinking' },
        }),
        delta(0, { type: 'thinking_delta', thinking: 'Let me ' }),
        delta(0, { type: 'thinking_delta', thinking: 'think.' }),
        delta(0, { type: 'signature_delta', signature: 'sig' }),
        frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
        frame('content_block_start', {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'text', text: '' },
        }),
        delta(1, { type: 'text_delta', text: 'Hel' }),
        delta(1, { type: 'text_delta', text: 'lo' }),
        frame('ping', { type: 'ping' }),
        delta(1, { type: 'text_delta', text: '!' }),
        frame('content_block_stop', { type: 'content_block_stop', index: 1 }),
        frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage }),
        frame('message_stop', { type: 'message_stop' }),
      ].join(''),
    );
  });
  const { events, error } = await run(url);
  expect(error).toBeNull();
  const deltas = events.filter((event) => event.type === 'text-delta' || event.type === 'reasoning-delta');
  // A ping between two deltas adds no part, so they still join.
  expect(deltas).toEqual([
    { type: 'reasoning-delta', id: '0', delta: 'Let me think.' },
    { type: 'text-delta', id: '1', delta: 'Hello!' },
  ]);
  const reasoning = events.find((event) => event.type === 'reasoning-end');
  expect(reasoning).toBeDefined();
  expect(events.filter((event) => event.type === 'text-end')).toHaveLength(1);
});
