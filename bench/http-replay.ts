import { setTimeout as sleep } from 'node:timers/promises';
import { createSession, sendMessage, type TestServer } from '../test/support/test-server.ts';
import type { createHoldTool } from './hold-tool.ts';
import { readSseFrames } from './sse-frames.ts';
import { longTurnPrompt } from './stream-brain.ts';

/** How long the turn's own stream must stay silent before its last event id counts as final. */
const quietMs = 300;

/** A turn held open by `hold_turn`, with the id of its last published event. */
export interface HeldTurn {
  sessionId: string;
  lastEventId: number;
  /** The POST's own stream, read to its end in the background. */
  drained: Promise<void>;
}

/**
 * Starts a turn that streams `deltas` text deltas and then waits in `hold_turn`, and learns its
 * last event id by reading the POST's stream until the tool has started and the stream is quiet.
 */
export async function startHeldTurn(options: {
  server: TestServer;
  hold: ReturnType<typeof createHoldTool>;
  deltas: number;
}): Promise<HeldTurn> {
  const { server, hold } = options;
  const sessionId = await createSession(server);
  const started = hold.nextStart();
  const response = await sendMessage(server, { sessionId, text: longTurnPrompt(options.deltas) });
  if (response.status !== 200 || !response.body)
    throw new Error(`POST /messages answered ${response.status}`);
  let lastEventId = 0;
  let lastFrameAt = performance.now();
  const drained = readSseFrames({
    body: response.body,
    onFrame: (frame) => {
      if (frame.id !== null) lastEventId = frame.id;
      lastFrameAt = performance.now();
      return true;
    },
  });
  await started;
  while (performance.now() - lastFrameAt < quietMs) await sleep(quietMs / 3);
  return { sessionId, lastEventId, drained };
}

/**
 * `GET /stream` with `Last-Event-ID: after`, read as SSE frames (each `data:` JSON-parsed, as a client
 * would) up to the turn's last event; returns milliseconds from just before the request.
 */
export async function timeHttpRead(options: {
  server: TestServer;
  turn: HeldTurn;
  after: number;
}): Promise<number> {
  const { server, turn, after } = options;
  const startedAt = performance.now();
  const response = await server.api(`/api/sessions/${turn.sessionId}/stream`, {
    headers: { 'last-event-id': String(after) },
  });
  if (response.status !== 200 || !response.body) throw new Error(`GET /stream answered ${response.status}`);
  let expected = after + 1;
  await readSseFrames({
    body: response.body,
    onFrame: (frame) => {
      if (frame.id !== expected) throw new Error(`expected event ${expected}, got ${frame.id}`);
      JSON.parse(frame.data);
      if (frame.id === turn.lastEventId) return false;
      expected += 1;
      return true;
    },
  });
  const ms = performance.now() - startedAt;
  if (expected !== turn.lastEventId)
    throw new Error(`the stream ended at ${expected} of ${turn.lastEventId}`);
  return ms;
}

/** Stops the held turn; its POST stream then ends. */
export async function releaseHeldTurn(options: { server: TestServer; turn: HeldTurn }): Promise<void> {
  const response = await options.server.api(`/api/sessions/${options.turn.sessionId}/cancel`, {
    method: 'POST',
  });
  if (!((await response.json()) as { cancelled: boolean }).cancelled)
    throw new Error('the held turn was not running');
  await options.turn.drained;
}
