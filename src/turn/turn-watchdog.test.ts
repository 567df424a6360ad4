import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import { MemoryLock } from '../coord/memory/memory-lock.ts';
import { MemoryPendingMessages } from '../coord/memory/memory-pending-messages.ts';
import { MemorySessionEvents } from '../coord/memory/memory-session-events.ts';
import { MemoryStreamRegistry } from '../coord/memory/memory-stream-registry.ts';
import { MemoryTurnQueue } from '../coord/memory/memory-turn-queue.ts';
import type { SessionEvent, StreamEvent } from '../protocol/index.ts';
import { Workspaces } from '../sandbox/workspaces.ts';
import { DiskFileBlobs } from '../store/disk/disk-file-blobs.ts';
import { openSqliteDatabase } from '../store/sqlite/open-sqlite-database.ts';
import { SqliteFileStore } from '../store/sqlite/sqlite-file-store.ts';
import { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { SqliteTranscriptStore } from '../store/sqlite/sqlite-transcript-store.ts';
import { createLogger } from '../util/logger.ts';
import { Metrics } from '../util/metrics.ts';
import { lockKeyOf } from './admit-turn.ts';
import { SessionNotifier } from './session-notifier.ts';
import { TurnService } from './turn-service.ts';

/** A runtime that says a word, then waits until it is stopped. */
class HangingRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    yield { type: 'text-start', id: 't' };
    yield { type: 'text-delta', id: 't', delta: 'thinking…' };
    await new Promise<void>((resolve) =>
      input.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

async function collect(batches: AsyncIterable<StreamEvent[]> | null): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const batch of batches ?? []) all.push(...batch);
  return all;
}

describe('the turn watchdog', () => {
  let dir: string;
  let store: SqliteSessionStore;
  let service: TurnService;
  let registry: MemoryStreamRegistry;
  let lock: MemoryLock;
  let sessionEvents: MemorySessionEvents;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autopilot-watchdog-'));
    const database = await openSqliteDatabase({ path: ':memory:' });
    store = new SqliteSessionStore(database);
    registry = new MemoryStreamRegistry();
    lock = new MemoryLock();
    sessionEvents = new MemorySessionEvents();
    const logger = createLogger({ level: 'silent' });
    service = new TurnService({
      store,
      transcripts: new SqliteTranscriptStore(database),
      files: new SqliteFileStore(database),
      fileBlobs: new DiskFileBlobs({ root: join(dir, 'files'), maxBytes: 1024 }),
      lock,
      registry,
      queue: new MemoryTurnQueue(),
      pending: new MemoryPendingMessages(),
      runtime: new HangingRuntime(),
      utilityModel: null,
      retryPolicy: {
        maxTransientRetries: 0,
        retryBaseMs: 1,
        contextBudgetTokens: 10_000,
        summaryTimeoutMs: 100,
      },
      workspaces: new Workspaces({ root: dir }),
      createTools: () => [],
      modelName: 'test',
      lockTtlMs: 60_000,
      maxTurnMs: 300,
      maxRunningTurns: 64,
      modelSetupHint: 'configure a model',
      notifier: new SessionNotifier({ store, events: sessionEvents, logger }),
      metrics: new Metrics(),
      logger,
    });
    await store.ensureUser({ id: 'u', name: 'u' });
  });
  afterEach(async () => {
    await service.shutdown();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

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
    expect(result.kind).toBe('started');
    expect(await service.checkTurns()).toBe(0);
  });

  test('a turn past its maximum lifetime is ended with turn_timeout', async () => {
    const session = await store.createSession({ ownerId: 'u' });
    const result = await service.submit({ ownerId: 'u', sessionId: session.id, text: 'take forever' });
    if (result.kind !== 'started') throw new Error('expected a started turn');
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
