import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { request } from 'undici';
import { readStamps } from './paced-fake.ts';

/** One streamed turn under load, timed from just before its POST, in milliseconds. */
export interface LoadTurnSample {
  firstTokenMs: number;
  totalMs: number;
  /** For every stamped delta: arrival minus the moment the fake wrote it. */
  deltaDelaysMs: number[];
}

/** One turn through the server: the first message of a fresh session, read frame by frame. */
export async function measureServerTurn(options: {
  serverUrl: string;
  sessionId: string;
  text: string;
}): Promise<LoadTurnSample> {
  const startedAt = performance.now();
  const response = await request(`${options.serverUrl}/api/sessions/${options.sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: options.text, messageId: randomUUID() }),
  });
  if (response.statusCode !== 200) {
    throw new Error(`POST /messages answered ${response.statusCode}: ${await response.body.text()}`);
  }
  let finished = false;
  const sample = await readTimedStream({
    body: response.body,
    startedAt,
    deltaText: (data) => {
      const chunk = JSON.parse(data) as { type: string; delta?: string; errorText?: string };
      if (chunk.type === 'error') throw new Error(`the turn failed: ${chunk.errorText}`);
      if (chunk.type === 'finish') finished = true;
      return chunk.type === 'text-delta' ? (chunk.delta ?? '') : undefined;
    },
  });
  if (!finished) throw new Error('the turn stream ended without finish');
  return sample;
}

/** The same reply straight from the fake: the floor the server run is compared against. */
export async function measureDirectTurn(options: {
  modelUrl: string;
  text: string;
}): Promise<LoadTurnSample> {
  const startedAt = performance.now();
  const response = await request(`${options.modelUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'load-key' },
    body: fakeRequestBody(options.text),
  });
  if (response.statusCode !== 200) throw new Error(`the fake answered ${response.statusCode}`);
  return readTimedStream({
    body: response.body,
    startedAt,
    deltaText: (data) => {
      const event = JSON.parse(data) as { type: string; delta?: { type?: string; text?: string } };
      const isText = event.type === 'content_block_delta' && event.delta?.type === 'text_delta';
      return isText ? (event.delta?.text ?? '') : undefined;
    },
  });
}

/** The model request the load turns make, sent straight to the fake through `fetch` (a web stream). */
export function postToFake(options: { modelUrl: string; text: string }): Promise<Response> {
  return fetch(`${options.modelUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'load-key' },
    body: fakeRequestBody(options.text),
  });
}

function fakeRequestBody(text: string): string {
  return JSON.stringify({
    model: 'claude-load',
    max_tokens: 1024,
    stream: true,
    messages: [{ role: 'user', content: text }],
  });
}

/**
 * A deliberately small SSE reader over undici's `request` (a Node stream, no web stream): 500
 * streams share this process with the fake, and both `fetch`'s web streams and the official
 * client's per-chunk schema validation would become the bottleneck being measured, the floor
 * included. The functional tests parse every stream with the official client.
 */
async function readTimedStream(options: {
  body: AsyncIterable<Buffer>;
  startedAt: number;
  deltaText: (data: string) => string | undefined;
}): Promise<LoadTurnSample> {
  const decoder = new StringDecoder('utf8');
  const deltaDelaysMs: number[] = [];
  let firstTokenAt: number | undefined;
  let buffered = '';
  for await (const bytes of options.body) {
    const arrivedAt = performance.now();
    buffered += decoder.write(bytes);
    let boundary = buffered.indexOf('\n\n');
    while (boundary !== -1) {
      const frame = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      boundary = buffered.indexOf('\n\n');
      const data = dataOf(frame);
      if (data === undefined || data === '[DONE]') continue;
      const text = options.deltaText(data);
      if (text === undefined) continue;
      const stamps = readStamps(text);
      if (stamps.length > 0) firstTokenAt ??= arrivedAt;
      for (const stamp of stamps) deltaDelaysMs.push(arrivedAt - stamp);
    }
  }
  const endedAt = performance.now();
  if (firstTokenAt === undefined) throw new Error('the stream carried no stamped delta');
  return {
    firstTokenMs: firstTokenAt - options.startedAt,
    totalMs: endedAt - options.startedAt,
    deltaDelaysMs,
  };
}

function dataOf(frame: string): string | undefined {
  for (const line of frame.split('\n')) if (line.startsWith('data: ')) return line.slice(6);
  return undefined;
}
