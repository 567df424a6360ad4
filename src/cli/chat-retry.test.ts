import { expect, test } from 'vitest';
import { pressableInterrupts, recordingTerminal } from '../../test/support/recording-terminal.ts';
import { AppError } from '../util/app-error.ts';
import type { ApiClient } from './api-client.ts';
import { chatLoop } from './chat-command.ts';
import type { SessionRecap } from './session-recap.ts';

/**
 * Enter on a message that failed for a reason that may pass sends it again under its own id, however
 * it failed: it is never stored a second time.
 */

function sse(chunks: unknown[]): Response {
  const text = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('');
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const answered = sse([
  { type: 'start', messageId: 'T2' },
  { type: 'text-start', id: 't' },
  { type: 'text-delta', id: 't', delta: 'Answered.\n' },
  { type: 'text-end', id: 't' },
  { type: 'finish' },
]);
const overloaded = () =>
  sse([
    { type: 'start', messageId: 'T1' },
    { type: 'data-error', data: { code: 'transient_api_error', message: 'Overloaded.', retryable: true } },
    { type: 'finish' },
  ]);
const shuttingDown = () =>
  new AppError('service_unavailable', 'The server is shutting down.', { status: 503, retryable: true });
const unreachable = () =>
  new AppError('service_unavailable', 'Cannot reach the server.', { retryable: true });

/** Runs the prompt over `lines`; each POST gets the next of `answers`. Returns the bodies sent. */
async function sendLines(options: {
  lines: string[];
  answers: (() => Response | Error)[];
  recap?: SessionRecap;
}): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  const client = {
    async request(request: { method: string; path: string; body?: Record<string, unknown> }) {
      if (request.method === 'GET') return new Response(null, { status: 204 });
      bodies.push(request.body ?? {});
      const answer = options.answers[bodies.length - 1]?.() ?? answered;
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async json() {
      return { title: null, hasMore: false, activeTurn: null, waiting: [], messages: [] };
    },
  } as unknown as ApiClient;
  const lines = [...options.lines];
  await chatLoop({
    client,
    terminal: recordingTerminal(),
    interrupts: pressableInterrupts(),
    sessionId: 's1',
    recap: options.recap ?? null,
    reader: { read: async () => lines.shift() ?? null, close: () => undefined },
    onSession: () => undefined,
  });
  return bodies;
}

test('a failed message from the recap whose retry failed or waited for another turn is retried again, not sent anew', async () => {
  const busy = () => new AppError('turn_in_progress', 'A reply is still running.', { status: 409 });
  for (const failure of [shuttingDown, unreachable, busy]) {
    const bodies = await sendLines({
      lines: ['the failed one', 'the failed one'],
      answers: [failure],
      recap: { runningTurnId: null, failedMessage: { text: 'the failed one', id: 'k-failed' }, waiting: [] },
    });
    const retry = { text: 'the failed one', messageId: 'k-failed', regenerate: true };
    expect(bodies).toEqual([retry, retry]);
  }
});

test('a message whose send could not reach the server is sent again under the same id', async () => {
  const bodies = await sendLines({ lines: ['hello', 'hello'], answers: [unreachable] });
  expect(bodies).toHaveLength(2);
  expect(bodies[1]).toEqual(bodies[0]);
  expect(bodies[0]).toEqual({ text: 'hello', messageId: expect.any(String) });
});

test('a message the server took whose turn failed runs again under its id; an edited one is a new message', async () => {
  const bodies = await sendLines({ lines: ['hello', 'hello', 'hello!'], answers: [overloaded, overloaded] });
  const id = bodies[0]?.messageId;
  expect(bodies[1]).toEqual({ text: 'hello', messageId: id, regenerate: true });
  expect(bodies[2]).toEqual({ text: 'hello!', messageId: expect.any(String) });
  expect(bodies[2]?.messageId).not.toBe(id);
});
