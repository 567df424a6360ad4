import { expect, test } from 'vitest';
import type { ModelStreamPart } from '../language-model.ts';
import { toOpenAIStreamParts } from './openai-stream-parts.ts';
import { readServerSentEvents } from './server-sent-events.ts';

/** The parts of a stream whose body arrives in `chunks`, through the same SSE reader the client uses. */
async function partsOf(chunks: string[]): Promise<ModelStreamPart[]> {
  async function* body() {
    yield* chunks;
  }
  const parts: ModelStreamPart[] = [];
  for await (const part of toOpenAIStreamParts(readServerSentEvents(body()))) parts.push(part);
  return parts;
}

function frame(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function delta(value: Record<string, unknown>, finishReason: string | null = null): string {
  return frame({
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: value, finish_reason: finishReason }],
  });
}

const finish = (reason: string) => frame({ choices: [{ index: 0, delta: {}, finish_reason: reason }] });
const usage = frame({
  choices: [],
  usage: {
    prompt_tokens: 120,
    completion_tokens: 30,
    prompt_tokens_details: { cached_tokens: 100 },
    completion_tokens_details: { reasoning_tokens: 10 },
  },
});
const done = 'data: [DONE]\n\n';

test('reasoning, then text, then usage: blocks open and close in order, usage keeps the cached share', async () => {
  const parts = await partsOf([
    delta({ role: 'assistant', content: '' }),
    delta({ reasoning_content: 'Think' }),
    delta({ reasoning: 'ing.' }),
    delta({ content: 'Hel' }),
    delta({ content: 'lo' }),
    finish('stop'),
    usage,
    done,
  ]);
  const withoutRaw = parts.filter((part) => part.type !== 'raw');
  expect(withoutRaw).toEqual([
    {
      type: 'reasoning-start',
      id: 'reasoning-0',
      providerMetadata: { 'openai-compatible': { reasoningField: 'reasoning_content' } },
    },
    { type: 'reasoning-delta', id: 'reasoning-0', delta: 'Think' },
    { type: 'reasoning-delta', id: 'reasoning-0', delta: 'ing.' },
    { type: 'reasoning-end', id: 'reasoning-0' },
    { type: 'text-start', id: 'txt-1' },
    { type: 'text-delta', id: 'txt-1', delta: 'Hel' },
    { type: 'text-delta', id: 'txt-1', delta: 'lo' },
    { type: 'text-end', id: 'txt-1' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 120, noCache: 20, cacheRead: 100, cacheWrite: undefined },
        outputTokens: { total: 30, text: 20, reasoning: 10 },
      },
    },
  ]);
  // The usage chunk also goes out raw: a step cut after it is still charged.
  expect(parts).toContainEqual({
    type: 'raw',
    rawValue: expect.objectContaining({ usage: expect.anything() }),
  });
});

test('tool calls split in odd places, interleaved by index, come whole when the choice finishes', async () => {
  const call = (index: number, value: Record<string, unknown>) =>
    delta({ tool_calls: [{ index, ...value }] });
  const stream = [
    delta({ content: 'Writing.' }),
    call(0, { id: 'call_a', type: 'function', function: { name: 'write_file', arguments: '' } }),
    call(0, { function: { arguments: '{"path":"a.txt","con' } }),
    call(1, { id: 'call_b', type: 'function', function: { name: 'read_file', arguments: '{"pa' } }),
    call(0, { function: { arguments: 'tent":"caf\\u00e9 \\"quoted\\" é' } }),
    call(1, { function: { arguments: 'th":"b.txt"}' } }),
    call(0, { function: { arguments: '"}' } }),
    finish('tool_calls'),
    usage,
    done,
  ].join('');
  // The same bytes cut at every third character: inside JSON strings, escapes and SSE framing.
  const cut = Array.from({ length: Math.ceil(stream.length / 3) }, (_, at) =>
    stream.slice(at * 3, at * 3 + 3),
  );
  const parts = await partsOf(cut);
  const calls = parts.filter((part) => part.type === 'tool-call');
  expect(calls).toEqual([
    {
      type: 'tool-call',
      toolCallId: 'call_a',
      toolName: 'write_file',
      input: '{"path":"a.txt","content":"caf\\u00e9 \\"quoted\\" é"}',
    },
    { type: 'tool-call', toolCallId: 'call_b', toolName: 'read_file', input: '{"path":"b.txt"}' },
  ]);
  expect(JSON.parse((calls[0] as { input: string }).input)).toEqual({
    path: 'a.txt',
    content: 'café "quoted" é',
  });
  const types = parts.map((part) =>
    part.type === 'tool-input-start' ? `${part.type}:${part.id}` : part.type,
  );
  // Each call is announced when it begins; the text ends before the calls are given.
  expect(types.indexOf('tool-input-start:call_a')).toBeLessThan(types.indexOf('tool-input-start:call_b'));
  expect(types.indexOf('text-end')).toBeLessThan(types.indexOf('tool-call'));
  expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls' } });
});

test('calls without an index, or all at index 0 with their own ids, stay apart; a missing id is made up', async () => {
  const parts = await partsOf([
    delta({ tool_calls: [{ id: 'x', function: { name: 'one', arguments: '{"a":' } }] }),
    delta({ tool_calls: [{ function: { arguments: '1}' } }] }),
    delta({ tool_calls: [{ index: 0, id: 'y', function: { name: 'two', arguments: '{}' } }] }),
    delta({ tool_calls: [{ index: 0, id: 'z', function: { name: 'three', arguments: '{}' } }] }),
    delta({ tool_calls: [{ index: 5, function: { name: 'four', arguments: '{}' } }] }),
    finish('tool_calls'),
    done,
  ]);
  const calls = parts.flatMap((part) =>
    part.type === 'tool-call' ? [[part.toolCallId, part.toolName, part.input]] : [],
  );
  expect(calls.slice(0, 3)).toEqual([
    ['x', 'one', '{"a":1}'],
    ['y', 'two', '{}'],
    ['z', 'three', '{}'],
  ]);
  expect(calls[3]).toEqual([expect.stringMatching(/^call_/), 'four', '{}']);
});

test('a stream that ends after its finish reason but without [DONE] or usage still finishes, with no counts', async () => {
  const parts = await partsOf([delta({ content: 'Done.' }), finish('length')]);
  expect(parts.at(-1)).toEqual({
    type: 'finish',
    finishReason: { unified: 'length', raw: 'length' },
    usage: {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    },
  });
});

test('a stream that ends with neither a finish reason nor [DONE] was cut: no tool call runs, it throws', async () => {
  const parts: ModelStreamPart[] = [];
  const failure = await (async () => {
    async function* body() {
      yield delta({ content: 'The answer' });
      yield delta({
        tool_calls: [{ index: 0, id: 'c', function: { name: 'write_file', arguments: '{"pa' } }],
      });
    }
    for await (const part of toOpenAIStreamParts(readServerSentEvents(body()))) parts.push(part);
  })().catch((error: unknown) => error);
  expect(String(failure)).toMatch(/terminated/);
  expect(parts.filter((part) => part.type === 'tool-call')).toEqual([]);
  expect(parts).toContainEqual({ type: 'text-delta', id: 'txt-0', delta: 'The answer' });
});

test('unknown chunks and fields are skipped; chunks after [DONE] are ignored', async () => {
  const parts = await partsOf([
    ': keep-alive\n\n',
    frame({ object: 'chat.completion.chunk.heartbeat' }),
    frame({ choices: null }),
    frame({ choices: [{ index: 0, delta: null }] }),
    delta({ reasoning_content: { nested: true }, content: 7, tool_calls: [null] }),
    delta({ content: [{ type: 'text', text: 'part' }, { type: 'image' }, null], audio: { id: 'a' } }),
    finish('stop'),
    done,
    delta({ content: 'after the end' }),
  ]);
  const deltas = parts.flatMap((part) =>
    part.type === 'text-delta' || part.type === 'reasoning-delta' ? [part.delta] : [],
  );
  expect(deltas).toEqual(['part']);
  expect(parts.filter((part) => part.type.startsWith('tool'))).toEqual([]);
  expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
});

test('a malformed JSON line fails with a clear error; an error chunk becomes an error part and ends the stream', async () => {
  await expect(partsOf([delta({ content: 'a' }), 'data: {"choices": [\n\n'])).rejects.toThrow(
    /malformed stream event/,
  );
  await expect(partsOf([delta({ content: 'a' }), 'data: 42\n\n'])).rejects.toThrow(/malformed stream event/);

  const parts = await partsOf([
    delta({ content: 'a' }),
    frame({ error: { message: 'Rate limit reached', type: 'rate_limit_exceeded', code: 429 } }),
    delta({ content: 'never read' }),
  ]);
  expect(parts.at(-1)).toEqual({
    type: 'error',
    error: { message: 'Rate limit reached', type: 'rate_limit_exceeded', code: 429 },
  });
  const bare = await partsOf([frame({ error: 'model overloaded' })]);
  expect(bare).toEqual([{ type: 'error', error: { message: 'model overloaded' } }]);
});

test('a refusal is text, and the finish says the content was filtered', async () => {
  const parts = await partsOf([delta({ refusal: 'I cannot help with that.' }), finish('stop'), done]);
  expect(parts).toContainEqual({ type: 'text-delta', id: 'txt-0', delta: 'I cannot help with that.' });
  expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'content-filter', raw: 'stop' } });
});

test('a gateway that puts a finish reason on every chunk (one-api, Gemini relays) cuts neither a call nor the text', async () => {
  // Such relays send `finish_reason: "stop"` with each delta; only the stream's end says it is over.
  const parts = await partsOf([
    delta({ content: 'Writing' }, 'stop'),
    delta({ content: ' it.' }, 'stop'),
    delta(
      { tool_calls: [{ index: 0, id: 'call_a', function: { name: 'write_file', arguments: '{"pa' } }] },
      'stop',
    ),
    delta({ tool_calls: [{ index: 0, function: { arguments: 'th":"a.txt"}' } }] }, 'stop'),
    done,
  ]);
  expect(parts.filter((part) => part.type === 'text-start')).toHaveLength(1);
  expect(parts.filter((part) => part.type === 'tool-call')).toEqual([
    { type: 'tool-call', toolCallId: 'call_a', toolName: 'write_file', input: '{"path":"a.txt"}' },
  ]);
});

test('chunks that arrive in one read join their deltas, also from a relay that sends a finish reason on every delta', async () => {
  const parts = await partsOf([
    [
      delta({ role: 'assistant', content: 'Hel' }, 'stop'),
      delta({ content: 'lo' }, 'stop'),
      delta({ content: '!' }, 'stop'),
    ].join(''),
    [delta({ content: ' Bye.' }, 'stop'), finish('stop'), usage, done].join(''),
  ]);
  // A merged delta still counts as added, so the text block is not ended early and reopened.
  expect(parts.filter((part) => part.type !== 'raw' && part.type !== 'finish')).toEqual([
    { type: 'text-start', id: 'txt-0' },
    { type: 'text-delta', id: 'txt-0', delta: 'Hello!' },
    { type: 'text-delta', id: 'txt-0', delta: ' Bye.' },
    { type: 'text-end', id: 'txt-0' },
  ]);
});
