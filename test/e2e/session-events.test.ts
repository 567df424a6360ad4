import { afterEach, describe, expect, test } from 'vitest';
import type { SessionEvent } from '../../src/protocol/index.ts';
import type { SessionStore } from '../../src/store/session-store.ts';
import { type FakeRequest, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { openSessionEvents, type SessionEventsClient } from '../support/session-events-client.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const aliceToken = 'alice-token-0123456789';
const bobToken = 'bob-token-0123456789ab';
const isTitleCall = (request: FakeRequest) => request.system.includes('Generate a very short title');

/** Titles come back as "Garden party plans"; answers stream slowly, so a turn is seen running. */
const brain = scriptedBrain([
  { when: isTitleCall, reply: textReply('Garden party plans') },
  {
    when: () => true,
    reply: {
      kind: 'message',
      blocks: [{ type: 'text', text: 'Here is a plan for the party, step by step.' }],
      chunkDelayMs: 30,
    },
  },
]);

const sessionState =
  (id: string, expected: { status?: string; title?: string | null }) => (event: SessionEvent) =>
    event.type === 'session' &&
    event.session.id === id &&
    (expected.status === undefined || event.session.status === expected.status) &&
    (expected.title === undefined || event.session.title === expected.title);

describe('GET /api/events', () => {
  let server: TestServer | undefined;
  const clients: SessionEventsClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close();
    server = undefined;
  });

  async function open(token?: string): Promise<SessionEventsClient> {
    if (!server) throw new Error('no server');
    const client = await openSessionEvents(server, token);
    clients.push(client);
    return client;
  }

  test('a second client learns at once that the first started a turn, and the new title', async () => {
    server = await startTestServer({ brain });
    // A first turn pays one-off costs (prepared statements, lazy imports) that are not what is measured.
    await (await sendMessage(server, { sessionId: await createSession(server), text: 'warm up' })).text();
    const otherTab = await open();
    const sessionId = await createSession(server);
    const created = await otherTab.waitFor(sessionState(sessionId, { status: 'idle', title: null }));
    expect(created.event).toEqual({
      type: 'session',
      session: { id: sessionId, title: null, status: 'idle', updatedAt: expect.any(String) },
    });

    const delays: number[] = [];
    for (const text of ['Help me plan a garden party', 'Who should I invite?', 'And the food?']) {
      const since = otherTab.received.length;
      const sentAt = performance.now();
      const reply = await sendMessage(server, { sessionId, text });
      const running = await otherTab.waitFor(sessionState(sessionId, { status: 'running' }), { since });
      delays.push(running.at - sentAt);
      const { message } = await parseUIStream(reply.body!);
      expect(JSON.stringify(message?.parts)).toContain('step by step');
      const ended = await otherTab.waitFor(sessionState(sessionId, { status: 'idle' }), { since });
      expect(ended.at).toBeGreaterThan(running.at);
    }
    // Loopback, one read per change, one subscription per tab: the median start is seen well
    // within 200 ms (the median, so that one scheduling hiccup of a busy machine is not the measure).
    expect(delays.sort((a, b) => a - b)[1]).toBeLessThan(200);

    await otherTab.waitFor(sessionState(sessionId, { title: 'Garden party plans' }));
    // The last word on the session is what the API says about it.
    const summary = await (await server.api(`/api/sessions/${sessionId}`)).json();
    const last = otherTab.received.filter((entry) => sessionState(sessionId, {})(entry.event)).at(-1);
    expect(last?.event).toEqual({
      type: 'session',
      session: { id: sessionId, title: summary.title, status: summary.status, updatedAt: summary.updatedAt },
    });
  });

  test('renames, deletions and waiting messages are published too, with heartbeats while idle', async () => {
    server = await startTestServer({ brain, env: { AUTOPILOT_HEARTBEAT_MS: '30' } });
    const tab = await open();
    const sessionId = await createSession(server);
    await server.api(`/api/sessions/${sessionId}`, { method: 'PATCH', json: { title: 'Renamed by hand' } });
    await tab.waitFor(sessionState(sessionId, { title: 'Renamed by hand' }));

    const first = await sendMessage(server, { sessionId, text: 'first' });
    await tab.waitFor(sessionState(sessionId, { status: 'running' }));
    const countBefore = tab.received.length;
    const second = await sendMessage(server, { sessionId, text: 'second, while the first runs' });
    // A waiting message answers with the stream of the turn that will answer it.
    expect(second.status).toBe(200);
    // The waiting message touched the session while it runs: the sidebar hears of it.
    await tab.waitFor(sessionState(sessionId, { status: 'running' }), { since: countBefore });
    await first.text();
    await second.text();

    await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' });
    await tab.waitFor((event) => event.type === 'session-deleted' && event.id === sessionId);
    const heartbeats = tab.heartbeats();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(tab.heartbeats()).toBeGreaterThan(heartbeats);
  });

  test("another user's sessions never show up", async () => {
    server = await startTestServer({
      brain,
      env: { AUTOPILOT_API_TOKENS: `alice:${aliceToken},bob:${bobToken}` },
    });
    const alice = await open(aliceToken);
    const bob = await open(bobToken);
    expect((await server.api('/api/events')).status).toBe(401);

    const aliceSession = await createSession(server, aliceToken);
    await server.api(`/api/sessions/${aliceSession}`, {
      method: 'PATCH',
      json: { title: 'Alice private plans' },
      token: aliceToken,
    });
    await (await sendMessage(server, { sessionId: aliceSession, text: 'secret', token: aliceToken })).text();
    await server.api(`/api/sessions/${aliceSession}`, { method: 'DELETE', token: aliceToken });
    await alice.waitFor((event) => event.type === 'session-deleted' && event.id === aliceSession);
    // Bob's own change comes after all of Alice's: had hers reached him, they would be before it.
    const bobSession = await createSession(server, bobToken);
    await bob.waitFor(sessionState(bobSession, {}));

    const bobSaw = JSON.stringify(bob.received);
    expect(bobSaw).not.toContain(aliceSession);
    expect(bobSaw).not.toContain('Alice private plans');
    expect(bob.received.map((entry) => entry.event)).toEqual([
      { type: 'session', session: expect.objectContaining({ id: bobSession }) },
    ]);
    expect(
      alice.received.some((entry) => sessionState(aliceSession, { status: 'running' })(entry.event)),
    ).toBe(true);
  });

  test('200 open connections cost no database work, and each change is read once for all of them', async () => {
    const storeCalls: string[] = [];
    server = await startTestServer({
      brain,
      // The watchdog's periodic check is the one thing that reads on a timer; it does not scale with viewers.
      env: { AUTOPILOT_HEARTBEAT_MS: '100', AUTOPILOT_WATCHDOG_MS: '3600000' },
      wrapStore: (store) => countingStore(store, storeCalls),
    });
    const sessionId = await createSession(server);
    const rename = async (title: string, tabs: SessionEventsClient[]): Promise<string[]> => {
      const before = storeCalls.length;
      await server!.api(`/api/sessions/${sessionId}`, { method: 'PATCH', json: { title } });
      await Promise.all(tabs.map((tab) => tab.waitFor(sessionState(sessionId, { title }))));
      return storeCalls.slice(before);
    };

    const firstTab = await open();
    const withOneTab = await rename('one tab', [firstTab]);

    const before = storeCalls.length;
    const tabs = [firstTab, ...(await Promise.all(Array.from({ length: 199 }, () => open())))];
    // Several heartbeat intervals with everything open and nothing changing.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(storeCalls.slice(before)).toEqual([]);
    expect(tabs.every((tab) => tab.heartbeats() > 0)).toBe(true);

    const withAllTabs = await rename('two hundred tabs', tabs);
    expect(withAllTabs).toEqual(withOneTab);
    expect(withAllTabs.filter((name) => name === 'getSession')).toHaveLength(1);

    // Closed tabs release their subscriptions.
    const openStreams = async () =>
      Number(/^autopilot_event_streams (\d+)$/m.exec(await (await server!.api('/metrics')).text())?.[1]);
    expect(await openStreams()).toBe(200);
    for (const tab of clients.splice(0)) tab.close();
    const deadline = Date.now() + 5_000;
    while ((await openStreams()) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await openStreams()).toBe(0);

    // With nobody listening, a change is not read back for an event nobody would get.
    const beforeUnwatched = storeCalls.length;
    await server!.api(`/api/sessions/${sessionId}`, { method: 'PATCH', json: { title: 'no tabs' } });
    expect(storeCalls.slice(beforeUnwatched)).toEqual(withOneTab.filter((name) => name !== 'getSession'));
  });
});

/** The store, recording the name of every method called on it. */
function countingStore(store: SessionStore, calls: string[]): SessionStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
}
