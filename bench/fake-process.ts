import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { CapturedModelRequest } from './direct-fake.ts';

/** A question to the fake model's process. */
type FakeProcessQuestion =
  | { op: 'take-arrival' }
  | { op: 'reset' }
  | { op: 'last-request'; lastUserText: string };

/** A question as sent; `id` pairs it with its reply. */
export type FakeProcessCall = FakeProcessQuestion & { id: number };

/** The fake process's replies; the one with id 0 is sent once, when it listens. */
export type FakeProcessReply = { id: number } & {
  url?: string;
  arrivalNs?: string | null;
  request?: { headers: Record<string, string>; body: unknown } | null;
};

/** The bench's fake model (`createBenchBrain`), run apart from the bench's client. */
export interface FakeProcess {
  url: string;
  /**
   * When the latest timed request reached the fake, on this process's `performance.now()` clock;
   * throws if none came since the last call, so no sample borrows a stale arrival.
   */
  takeArrival(): Promise<number>;
  /** Forgets the requests the fake has kept. */
  reset(): Promise<void>;
  /** The last streamed request whose final user text is `lastUserText`, replayable as is. */
  lastRequest(lastUserText: string): Promise<CapturedModelRequest>;
  close(): Promise<void>;
}

/**
 * Starts the fake in a process of its own. In the bench's process the fake shared a loop with
 * the client: the client's handling of the reply's head, which the server writes while it sends
 * the model request, held back the fake's reading of that request by about half a millisecond,
 * a delay the direct call (the only request in flight) never met.
 */
export async function startFakeProcess(): Promise<FakeProcess> {
  const child = fork(join(import.meta.dirname, 'fake-process-main.ts'), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const waiting = new Map<number, (reply: FakeProcessReply) => void>();
  child.on('message', (reply: FakeProcessReply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  let nextId = 1;
  const call = (question: FakeProcessQuestion) =>
    new Promise<FakeProcessReply>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ id, ...question } satisfies FakeProcessCall);
    });
  const listening = new Promise<FakeProcessReply>((resolve) => waiting.set(0, resolve));
  const { url } = await Promise.race([
    listening,
    exited.then(() => Promise.reject(new Error('the fake model exited before it listened'))),
  ]);
  // `process.hrtime` and `performance.now()` read the same monotonic clock; this is their offset.
  const clockOffsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  return {
    url: url!,
    async takeArrival() {
      const { arrivalNs } = await call({ op: 'take-arrival' });
      if (!arrivalNs) throw new Error('the fake received no timed request');
      return Number(BigInt(arrivalNs)) / 1e6 - clockOffsetMs;
    },
    async reset() {
      await call({ op: 'reset' });
    },
    async lastRequest(lastUserText) {
      const { request } = await call({ op: 'last-request', lastUserText });
      if (!request) throw new Error('the server made no model request for the bench prompt');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const name of ['anthropic-version', 'x-api-key', 'anthropic-beta']) {
        const value = request.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      return { url: `${url}/v1/messages`, headers, body: JSON.stringify(request.body) };
    },
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
