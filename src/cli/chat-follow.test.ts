import { describe, expect, test } from 'vitest';
import { pressableInterrupts, recordingTerminal } from '../../test/support/recording-terminal.ts';
import { AppError } from '../util/app-error.ts';
import type { ApiClient } from './api-client.ts';
import { chatLoop } from './chat-command.ts';

/**
 * `chat --session` follows the turns after the one it joined. These drive `chatLoop` against a
 * hand-written client whose server misbehaves in ways a real one can: a turn's stream ends while
 * its record still says running, the connection drops, the server goes away between turns.
 */
function sse(chunks: unknown[]): Response {
  const text = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('');
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

const answerChunks = [
  { type: 'start', messageId: 'T1' },
  { type: 'text-start', id: 't' },
  { type: 'text-delta', id: 't', delta: 'THE ANSWER\n' },
  { type: 'text-end', id: 't' },
];
/** Ended by the runner without its record stored: the stream says so, the turn still shows as running. */
const endedWithoutRecord = [
  ...answerChunks,
  { type: 'data-error', data: { message: 'Could not save.', retryable: true } },
  { type: 'finish', finishReason: 'error' },
];

const stillRunning = {
  title: null,
  hasMore: false,
  activeTurn: { id: 'T1', startedAt: new Date(0).toISOString() },
  waiting: [],
  messages: [
    { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'the question' }] },
    { id: 'T1', role: 'assistant', parts: [] },
  ],
};

function fakeClient(options: { stream: (call: number) => Response; detail?: () => unknown }) {
  let streams = 0;
  const client = {
    async request(request: { path: string }) {
      if (!request.path.endsWith('/stream')) throw new Error(`unexpected ${request.path}`);
      streams += 1;
      // A client that joins the same turn again and again ends here, so the test fails instead of hanging.
      return streams > 20 ? new Response(null, { status: 204 }) : options.stream(streams);
    },
    async json() {
      return (options.detail ?? (() => stillRunning))();
    },
  };
  return { client: client as unknown as ApiClient, streams: () => streams };
}

async function continueSession(client: ApiClient) {
  const terminal = recordingTerminal();
  let prompted = false;
  const code = await chatLoop({
    client,
    terminal,
    interrupts: pressableInterrupts(),
    sessionId: 's1',
    recap: { runningTurnId: 'T1', failedMessage: null, waiting: [] },
    reader: {
      read: async () => {
        prompted = true;
        return null;
      },
      close: () => undefined,
    },
    onSession: () => undefined,
  });
  return { code, prompted, output: terminal.output };
}

describe('chat --session after the joined turn', () => {
  test('a turn whose stream ended while it still shows as running is not joined again', async () => {
    const server = fakeClient({ stream: () => sse(endedWithoutRecord) });
    const { code, prompted, output } = await continueSession(server.client);
    expect(output.split('THE ANSWER')).toHaveLength(2);
    expect(server.streams()).toBe(1);
    expect({ code, prompted }).toEqual({ code: 0, prompted: true });
  });

  test('a server that goes away after the turn gives the prompt back', async () => {
    const server = fakeClient({
      stream: () => sse(endedWithoutRecord),
      detail: () => {
        throw new AppError('service_unavailable', 'Cannot reach the server.', { retryable: true });
      },
    });
    const { code, prompted, output } = await continueSession(server.client);
    expect(output.split('THE ANSWER')).toHaveLength(2);
    expect({ code, prompted }).toEqual({ code: 0, prompted: true });
  });

  test('a connection lost for good: the turn is shown once, then the prompt', async () => {
    // Every stream is cut before the turn's end (the first and the view's own rejoins).
    const server = fakeClient({ stream: () => sse(answerChunks) });
    const { prompted, output } = await continueSession(server.client);
    expect(output).toContain('The connection to the server was lost');
    expect(output.split('THE ANSWER')).toHaveLength(2);
    expect(prompted).toBe(true);
  });

  test('a failed message from the recap is not offered once another turn has run since', async () => {
    // The recap saw no turn running and a failed last message; another client's message started a
    // turn before the join, which followed it: Enter would run that turn's message again, not this one.
    const server = fakeClient({
      stream: (call) =>
        call === 1 ? sse([...answerChunks, { type: 'finish' }]) : new Response(null, { status: 204 }),
      detail: () => ({ ...stillRunning, activeTurn: null }),
    });
    const prefills: (string | undefined)[] = [];
    await chatLoop({
      client: server.client,
      terminal: recordingTerminal(),
      interrupts: pressableInterrupts(),
      sessionId: 's1',
      recap: { runningTurnId: null, failedMessage: { text: 'the failed one', id: 'k-failed' }, waiting: [] },
      reader: {
        read: async (options) => {
          prefills.push(options?.prefill);
          return null;
        },
        close: () => undefined,
      },
      onSession: () => undefined,
    });
    expect(prefills).toEqual([undefined]);
  });

  test('a turn that ends between the look and the join is shown from the store, then the one found instead', async () => {
    const turn = (id: string, answer: string) => [
      { type: 'start', messageId: id },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: `${answer}\n` },
      { type: 'text-end', id: 't' },
      { type: 'finish' },
    ];
    const user = (id: string, text: string) => ({ id, role: 'user', parts: [{ type: 'text', text }] });
    const answer = (id: string, text: string) => ({ id, role: 'assistant', parts: [{ type: 'text', text }] });
    const at = new Date(0).toISOString();
    // After the first turn: the second runs. By the join, it has ended and a third runs.
    const details = [
      {
        ...stillRunning,
        activeTurn: { id: 'T2', startedAt: at },
        messages: [user('u1', 'first'), answer('T1', 'FIRST'), user('u2', 'second')],
      },
      {
        ...stillRunning,
        activeTurn: { id: 'T3', startedAt: at },
        messages: [
          user('u1', 'first'),
          answer('T1', 'FIRST'),
          user('u2', 'second'),
          answer('T2', 'SECOND'),
          user('u3', 'third'),
        ],
      },
    ];
    let reads = 0;
    const server = fakeClient({
      stream: (call) =>
        call === 1
          ? sse(turn('T1', 'FIRST'))
          : call === 2
            ? sse(turn('T3', 'THIRD'))
            : new Response(null, { status: 204 }),
      detail: () =>
        reads++ === 0
          ? details[0]
          : reads < 5
            ? details[1]
            : { ...stillRunning, activeTurn: null, messages: [] },
    });
    const { output } = await continueSession(server.client);
    const order = ['FIRST', '› second', 'SECOND', '› third', 'THIRD'].map((text) => output.indexOf(text));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test('a server error while following says so and gives the prompt back; a deleted session stops', async () => {
    const failing = (code: 'service_unavailable' | 'not_found') =>
      fakeClient({
        stream: (call) =>
          call === 1 ? sse([...answerChunks, { type: 'finish' }]) : new Response(null, { status: 204 }),
        detail: () => {
          throw new AppError(code, code === 'not_found' ? 'Session not found.' : 'The server is busy.', {
            retryable: code !== 'not_found',
          });
        },
      });
    const busy = await continueSession(failing('service_unavailable').client);
    expect(busy.output).toContain('The server is busy.');
    expect(busy.prompted).toBe(true);

    await expect(continueSession(failing('not_found').client)).rejects.toMatchObject({ code: 'not_found' });
  });

  test('a turn that started after a recap that found none running is shown after its question', async () => {
    const server = fakeClient({
      stream: (call) =>
        call === 1 ? sse([...answerChunks, { type: 'finish' }]) : new Response(null, { status: 204 }),
      detail: () => ({
        ...stillRunning,
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'the question' }] }],
      }),
    });
    const terminal = recordingTerminal();
    await chatLoop({
      client: server.client,
      terminal,
      interrupts: pressableInterrupts(),
      sessionId: 's1',
      recap: { runningTurnId: null, failedMessage: null, waiting: ['the question'] },
      reader: { read: async () => null, close: () => undefined },
      onSession: () => undefined,
    });
    expect(terminal.output.indexOf('› the question')).toBeGreaterThanOrEqual(0);
    expect(terminal.output.indexOf('› the question')).toBeLessThan(terminal.output.indexOf('THE ANSWER'));
  });
});
