import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { priceUsage } from '../agent/model-pricing.ts';
import type { MemoryLock } from '../coord/memory/memory-lock.ts';
import type { MemorySessionEvents } from '../coord/memory/memory-session-events.ts';
import type { MemoryStreamRegistry } from '../coord/memory/memory-stream-registry.ts';
import type { SessionEvent } from '../protocol/index.ts';
import type { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { lockKeyOf } from './admit-turn.ts';
import type { TurnService } from './turn-service.ts';
import { collect, createTestTurnService } from './turn-service-fixture.ts';

describe('the turn watchdog', () => {
  let fixture: Awaited<ReturnType<typeof createTestTurnService>>;
  let store: SqliteSessionStore;
  let service: TurnService;
  let registry: MemoryStreamRegistry;
  let lock: MemoryLock;
  let sessionEvents: MemorySessionEvents;

  beforeEach(async () => {
    fixture = await createTestTurnService();
    ({ store, service, registry, lock, sessionEvents } = fixture);
  });
  afterEach(async () => fixture.close());

  test('a running turn without a runner is marked interrupted and its subscribers are released', async () => {
    const session = await store.createSession({ ownerId: 'u' });
    const scope = { ownerId: 'u', sessionId: session.id };
    // A turn whose runner died: the record says running, its lock has expired, nobody runs it.
    const user = await store.appendMessage({
      ...scope,
      message: { id: 'm1', role: 'user', content: 'hi', turnId: 'dead-turn' },
    });
    await store.createTurn({
      id: 'dead-turn',
      ...scope,
      messageId: 'dead-turn',
      clientMessageId: null,
      userMessageId: user.id,
      fencingToken: 1,
    });
    await registry.open('dead-turn');
    await registry.append('dead-turn', { type: 'start', messageId: 'dead-turn' });
    // One model call had answered, and its usage was stored as it answered.
    const used = priceUsage({
      model: 'claude-sonnet-4-5',
      tokens: { inputTokens: 1000, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    await store.recordUsage({ ...scope, turnId: 'dead-turn', model: 'claude-sonnet-4-5', usage: used });
    const subscriber = collect(await registry.subscribe({ streamId: 'dead-turn', after: 0 }));
    const sidebar = new AbortController();
    const sidebarEvents = (await sessionEvents.subscribe({ ownerId: 'u', signal: sidebar.signal }))[
      Symbol.asyncIterator
    ]();

    service.startWatchdog(50);
    const events = await subscriber;
    expect(events.map((event) => event.chunk.type)).toEqual([
      'start',
      'data-error',
      'error',
      'message-metadata',
      'finish',
    ]);
    expect(events[1]?.chunk).toMatchObject({ data: { code: 'turn_interrupted', retryable: true } });
    // Its end shows what the runner stored, and charges it once.
    expect(events[3]?.chunk).toMatchObject({ messageMetadata: { status: 'interrupted', usage: used } });
    expect(await store.getSessionUsage(scope)).toEqual(used);
    expect(await store.getActiveTurn(scope)).toBeNull();
    expect((await store.getTurn({ ...scope, turnId: 'dead-turn' }))?.status).toBe('interrupted');
    // An open sidebar learns that the session is free again.
    const nothing = new Promise<IteratorResult<SessionEvent[]>>((resolve) =>
      setTimeout(() => resolve({ done: true, value: undefined }), 5_000),
    );
    const published = (await Promise.race([sidebarEvents.next(), nothing])).value ?? [];
    sidebar.abort();
    expect(published).toEqual([
      { type: 'session', session: expect.objectContaining({ id: session.id, status: 'idle' }) },
    ]);
  });

  test('a turn whose lock is held by its runner is left alone', async () => {
    const result = await service.submit({
      ownerId: 'u',
      sessionId: (await store.createSession({ ownerId: 'u' })).id,
      text: 'hi',
    });
    expect(result.kind).toBe('stream');
    expect(await service.checkTurns()).toBe(0);
  });

  test('a turn past its maximum lifetime is ended with turn_timeout', async () => {
    const session = await store.createSession({ ownerId: 'u' });
    const result = await service.submit({ ownerId: 'u', sessionId: session.id, text: 'take forever' });
    if (result.kind !== 'stream') throw new Error('expected a started turn');
    const subscriber = collect(await registry.subscribe({ streamId: result.turnId, after: 0 }));
    service.startWatchdog(50);
    const events = await subscriber;
    expect(events.find((event) => event.chunk.type === 'data-error')?.chunk).toMatchObject({
      data: { code: 'turn_timeout' },
    });
    expect(events.at(-1)?.chunk.type).toBe('finish');
    const detail = await store.listMessages({ ownerId: 'u', sessionId: session.id });
    expect(detail.map((row) => row.role)).toEqual(['user', 'assistant', 'marker']);
    expect(await lock.holder(lockKeyOf(session.id))).toBeNull();
  });
});
