import type { UIMessageChunk } from 'ai';
import { afterEach, describe, expect, test } from 'vitest';
import type { SessionStore } from '../../src/store/session-store.ts';
import { type FakeRequest, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const isTitleCall = (request: FakeRequest) => request.system.includes('Generate a very short title');

const slowReply = {
  kind: 'message' as const,
  blocks: [{ type: 'text' as const, text: 'one two three four five six seven eight nine ten' }],
  chunkDelayMs: 100,
  usage: { inputTokens: 1000, outputTokens: 500 },
};

const brain = scriptedBrain([
  { when: isTitleCall, reply: textReply('A short title') },
  { when: () => true, reply: slowReply },
]);

interface Hooks {
  /** Awaited before the store method of that name runs, with the call's arguments. */
  before: Partial<Record<keyof SessionStore, (...args: unknown[]) => Promise<void>>>;
}

/** Runs a test's hook before a store call: widens a real race window without changing what runs. */
function hookedStore(store: SessionStore, hooks: Hooks): SessionStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const hook = hooks.before[property as keyof SessionStore];
        if (hook) await hook(...args);
        return value.apply(target, args);
      };
    },
  });
}

/**
 * Holds every call of the store method (each one `only` accepts) until `release`: `reached`
 * resolves at the first one.
 */
function holdBefore(
  hooks: Hooks,
  method: keyof SessionStore,
  only: (...args: unknown[]) => boolean = () => true,
): { reached: Promise<void>; release: () => void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  hooks.before[method] = async (...args) => {
    if (!only(...args)) return;
    reach();
    await released;
  };
  return { reached, release };
}

/** The stream's chunks, or null if it has not ended within `ms`. */
async function chunksWithin(response: Response, ms: number): Promise<UIMessageChunk[] | null> {
  const parsed = parseUIStream(response.body!).then((result) => result.chunks);
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref());
  const result = await Promise.race([parsed, timeout]);
  if (result === null) await response.body?.cancel().catch(() => undefined);
  return result;
}

async function ownerInputTokens(server: TestServer): Promise<number> {
  const report = (await (await server.api('/api/usage')).json()) as { today: { inputTokens: number } };
  return report.today.inputTokens;
}

describe('turn engine races', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('a cancel that arrives while the runner prepares the turn stops it', async () => {
    const hooks: Hooks = { before: {} };
    server = await startTestServer({ brain, wrapStore: (store) => hookedStore(store, hooks) });
    const sessionId = await createSession(server);
    // The runner reads the history before it calls the model: hold it there, as a slow store would.
    const pickedUp = holdBefore(hooks, 'listMessages');
    const response = await sendMessage(server, { sessionId, text: 'hello', messageId: 'm1' });
    await pickedUp.reached;
    const cancelling = server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST', json: {} });
    // Let the cancel reach the service before the runner goes on.
    await new Promise((resolve) => setTimeout(resolve, 200));
    pickedUp.release();
    const cancel = (await (await cancelling).json()) as { cancelled: boolean };
    const chunks = await chunksWithin(response, 10_000);

    expect(cancel.cancelled).toBe(true);
    expect(chunks?.at(-1)).toMatchObject({ type: 'finish', finishReason: 'other' });
    expect(chunks?.some((chunk) => chunk.type === 'text-delta')).toBe(false);
  });

  test('a cancel sent while the message waits to start (a burst of new turns) stops the turn it starts', async () => {
    // The route paces start-ups in a burst: hold this message there, as a long burst would.
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const startPacer = {
      enter: () => {
        reach();
        return released;
      },
    };
    server = await startTestServer({ brain, startPacer });
    const sessionId = await createSession(server);
    const responding = sendMessage(server, { sessionId, text: 'hello', messageId: 'm1' });
    await reached;
    const cancelling = server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST', json: {} });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    const cancel = (await (await cancelling).json()) as { cancelled: boolean };
    const chunks = await chunksWithin(await responding, 10_000);
    const detail = (await (await server.api(`/api/sessions/${sessionId}`)).json()) as {
      messages: { role: string; parts: { type: string; text?: string }[] }[];
      activeTurn: unknown;
    };

    expect(cancel.cancelled).toBe(true);
    expect(chunks?.at(-1)).toMatchObject({ type: 'finish', finishReason: 'other' });
    expect(chunks?.some((chunk) => chunk.type === 'text-delta')).toBe(false);
    // The message is kept; no reply was made or stored.
    expect(detail.activeTurn).toBeNull();
    expect(detail.messages[0]).toMatchObject({ role: 'user', parts: [{ type: 'text', text: 'hello' }] });
    const replyText = detail.messages.flatMap((message) =>
      message.role === 'assistant' ? message.parts.filter((part) => part.type === 'text') : [],
    );
    expect(replyText).toEqual([]);
    expect(server.fake.requests.filter((request) => !isTitleCall(request))).toEqual([]);
  });

  test("a request naming another owner's session is refused at once while the owner's message is admitted", async () => {
    const hooks: Hooks = { before: {} };
    const alice = 'alice-token-0123456789';
    const mallory = 'mallory-token-0123456789';
    server = await startTestServer({
      brain,
      env: { AUTOPILOT_API_TOKENS: `alice:${alice},mallory:${mallory}` },
      wrapStore: (store) => hookedStore(store, hooks),
    });
    const sessionId = await createSession(server, alice);
    // Alice's message is being stored (a slow disk, a large attachment): her admission holds the session.
    const storing = holdBefore(hooks, 'beginTurn');
    const response = sendMessage(server, { sessionId, text: 'hello', messageId: 'a1', token: alice });
    await storing.reached;
    // Mallory's 404 must not wait for it: its delay would tell her that Alice is sending right now.
    const probe = sendMessage(server, { sessionId, text: 'hi', messageId: 'm1', token: mallory });
    const answer = await Promise.race([
      probe.then((probed) => probed.status),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 3_000).unref()),
    ]);
    storing.release();
    expect(answer).toBe(404);
    const chunks = await chunksWithin(await response, 10_000);
    expect(chunks?.at(-1)).toMatchObject({ type: 'finish' });
    await probe;
  });

  test('a message admitted while its session is being deleted still gets a stream that ends', async () => {
    const hooks: Hooks = { before: {} };
    server = await startTestServer({ brain, wrapStore: (store) => hookedStore(store, hooks) });
    const sessionId = await createSession(server);
    // DELETE has stopped the session's turns and is about to delete it: a message arrives now.
    const deleting = holdBefore(hooks, 'deleteSession');
    const deleted = server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' });
    await deleting.reached;
    const response = await sendMessage(server, { sessionId, text: 'hello', messageId: 'late' });
    // Give a turn, if one was started, time to reach the model.
    await new Promise((resolve) => setTimeout(resolve, 300));
    deleting.release();
    expect((await deleted).status).toBe(204);

    // Refusing it (the session is going) is fine; answering with a stream that never ends is not.
    if (response.status === 404) {
      expect(server.fake.requests.filter((request) => !isTitleCall(request))).toEqual([]);
      return;
    }
    expect(response.status).toBe(200);
    const chunks = await chunksWithin(response, 5_000);
    // Whatever the model was asked is charged: usage outlives its session.
    expect(await ownerInputTokens(server)).toBeGreaterThanOrEqual(1000);
    expect(chunks, 'the stream never ended').not.toBeNull();
    expect(chunks?.at(-1)).toMatchObject({ type: 'finish' });
  });
  test('the title call is charged even when its session is deleted while the title is made', async () => {
    const hooks: Hooks = { before: {} };
    server = await startTestServer({
      brain: scriptedBrain([
        { when: isTitleCall, reply: textReply('A short title', { inputTokens: 700, outputTokens: 5 }) },
        { when: () => true, reply: textReply('Hello.', { inputTokens: 1000, outputTokens: 10 }) },
      ]),
      wrapStore: (store) => hookedStore(store, hooks),
    });
    const sessionId = await createSession(server);
    // The title call has answered; the user deletes the conversation before its usage is written.
    // (The turn's own model calls are stored through `recordUsage` too, and go on.)
    const titleAnswered = holdBefore(hooks, 'recordUsage', (options) =>
      (options as { turnId: string }).turnId.startsWith('engine:'),
    );
    await parseUIStream((await sendMessage(server, { sessionId, text: 'hello there' })).body!);
    await titleAnswered.reached;
    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    titleAnswered.release();
    // The title task writes its usage in the background.
    let tokens = 0;
    for (let attempt = 0; attempt < 40 && tokens < 1700; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      tokens = await ownerInputTokens(server);
    }
    expect(tokens).toBe(1700);
  });
  test('a turn whose end could not be stored once is still charged for what it used', async () => {
    const hooks: Hooks = { before: {} };
    server = await startTestServer({
      brain: scriptedBrain([
        { when: isTitleCall, reply: textReply('A short title', { inputTokens: 0, outputTokens: 0 }) },
        { when: () => true, reply: textReply('Hello.', { inputTokens: 1000, outputTokens: 10 }) },
      ]),
      env: { AUTOPILOT_WATCHDOG_MS: '100' },
      wrapStore: (store) => hookedStore(store, hooks),
    });
    const sessionId = await createSession(server);
    // One failed write at the end (a busy database), then the store answers again.
    let failures = 1;
    hooks.before.endTurn = async () => {
      if (failures-- > 0) throw new Error('database is locked');
    };
    const { chunks } = await parseUIStream((await sendMessage(server, { sessionId, text: 'hi' })).body!);
    expect(chunks.at(-1)).toMatchObject({ type: 'finish' });
    // The watchdog settles the turn once the store answers again.
    let detail: { activeTurn: unknown; usage: { inputTokens: number } } | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      if (detail?.activeTurn === null) break;
    }
    expect(detail?.activeTurn).toBeNull();
    expect(detail?.usage.inputTokens).toBeGreaterThanOrEqual(1000);
  });
});
