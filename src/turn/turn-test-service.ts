import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { AgentRuntime } from '../agent/agent-runtime.ts';
import type { UtilityModel } from '../agent/utility-model.ts';
import { MemoryLock } from '../coord/memory/memory-lock.ts';
import { MemorySessionEvents } from '../coord/memory/memory-session-events.ts';
import { MemoryStreamRegistry } from '../coord/memory/memory-stream-registry.ts';
import { MemoryTurnQueue } from '../coord/memory/memory-turn-queue.ts';
import type { TurnQueue } from '../coord/turn-queue.ts';
import type { StreamEvent } from '../protocol/index.ts';
import { Workspaces } from '../sandbox/workspaces.ts';
import type { StoreDatabase } from '../store/database-schema.ts';
import { DiskFileBlobs } from '../store/disk/disk-file-blobs.ts';
import { openSqliteDatabase } from '../store/sqlite/open-sqlite-database.ts';
import { SqliteFileStore } from '../store/sqlite/sqlite-file-store.ts';
import { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { SqliteTranscriptStore } from '../store/sqlite/sqlite-transcript-store.ts';
import { createLogger } from '../util/logger.ts';
import { Metrics } from '../util/metrics.ts';
import { SessionNotifier } from './session-notifier.ts';
import { TurnService } from './turn-service.ts';

type Database = Kysely<StoreDatabase>;

export interface TurnTestService {
  service: TurnService;
  store: SqliteSessionStore;
  registry: MemoryStreamRegistry;
  lock: MemoryLock;
  sessionEvents: MemorySessionEvents;
  /** A new TurnService on the same store, as after a restart. */
  restart(): TurnService;
  close(): Promise<void>;
}

/**
 * Test support: a TurnService on an in-memory SQLite store, memory coordination and a temp-dir
 * workspace, with the given runtime. `makeStore` may return a subclass that fails on purpose.
 */
export async function startTurnTestService(options: {
  runtime: AgentRuntime;
  /** The model for the engine's own calls (titles, summaries); none by default. */
  utilityModel?: UtilityModel;
  registry?: MemoryStreamRegistry;
  makeStore?: (database: Database) => SqliteSessionStore;
  queue?: TurnQueue;
  lockTtlMs?: number;
  maxTurnMs?: number;
  /** Automatic retries of transient errors; none by default. */
  maxTransientRetries?: number;
}): Promise<TurnTestService> {
  const dir = await mkdtemp(join(tmpdir(), 'autopilot-turns-'));
  const database: Database = await openSqliteDatabase({ path: ':memory:' });
  const store = options.makeStore?.(database) ?? new SqliteSessionStore(database);
  const registry = options.registry ?? new MemoryStreamRegistry();
  const lock = new MemoryLock();
  const services: TurnService[] = [];
  const logger = createLogger({ level: 'silent' });
  const sessionEvents = new MemorySessionEvents();
  const notifier = new SessionNotifier({ store, events: sessionEvents, logger });
  const build = () => {
    const service = new TurnService({
      store,
      transcripts: new SqliteTranscriptStore(database),
      files: new SqliteFileStore(database),
      fileBlobs: new DiskFileBlobs({ root: join(dir, 'files'), maxBytes: 1024 }),
      lock,
      registry,
      queue: options.queue ?? new MemoryTurnQueue(),
      runtime: options.runtime,
      utilityModel: options.utilityModel ?? null,
      notifier,
      retryPolicy: {
        maxTransientRetries: options.maxTransientRetries ?? 0,
        retryBaseMs: 1,
        contextBudgetTokens: 10_000,
        summaryTimeoutMs: 100,
      },
      workspaces: new Workspaces({ root: dir }),
      createTools: () => [],
      modelName: 'test-model',
      lockTtlMs: options.lockTtlMs ?? 60_000,
      maxTurnMs: options.maxTurnMs ?? 60_000,
      maxRunningTurns: 64,
      modelSetupHint: 'configure a model',
      metrics: new Metrics(),
      logger,
    });
    services.push(service);
    return service;
  };
  const service = build();
  await store.ensureUser({ id: 'u', name: 'u' });
  return {
    service,
    store,
    registry,
    lock,
    sessionEvents,
    restart: build,
    async close() {
      for (const each of services) await each.shutdown();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every event of a stream, once it has closed. */
export async function readWholeStream(options: {
  registry: MemoryStreamRegistry;
  streamId: string;
}): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  const batches = await options.registry.subscribe({ streamId: options.streamId, after: 0 });
  for await (const batch of batches ?? []) all.push(...batch);
  return all;
}
