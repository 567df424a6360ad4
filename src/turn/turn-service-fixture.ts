import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import { MemoryLock } from '../coord/memory/memory-lock.ts';
import { MemorySessionEvents } from '../coord/memory/memory-session-events.ts';
import { MemoryStreamRegistry } from '../coord/memory/memory-stream-registry.ts';
import { MemoryTurnQueue } from '../coord/memory/memory-turn-queue.ts';
import type { TurnQueue } from '../coord/turn-queue.ts';
import type { StreamEvent } from '../protocol/index.ts';
import { Workspaces } from '../sandbox/workspaces.ts';
import { DiskFileBlobs } from '../store/disk/disk-file-blobs.ts';
import { openSqliteDatabase } from '../store/sqlite/open-sqlite-database.ts';
import { SqliteFileStore } from '../store/sqlite/sqlite-file-store.ts';
import { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { SqliteTranscriptStore } from '../store/sqlite/sqlite-transcript-store.ts';
import { createLogger } from '../util/logger.ts';
import { Metrics } from '../util/metrics.ts';
import { SessionNotifier } from './session-notifier.ts';
import { TurnService } from './turn-service.ts';

/** A runtime that says a word, then waits until it is stopped; it counts its runs. */
export class HangingRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  runs = 0;
  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    this.runs += 1;
    yield { type: 'text-start', id: 't' };
    yield { type: 'text-delta', id: 't', delta: 'thinking…' };
    await new Promise<void>((resolve) =>
      input.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

export async function collect(batches: AsyncIterable<StreamEvent[]> | null): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const batch of batches ?? []) all.push(...batch);
  return all;
}

/** A TurnService on an in-memory SQLite store with memory coordination, for unit tests. */
export async function createTestTurnService(
  options: { queue?: TurnQueue; lockTtlMs?: number; maxTurnMs?: number } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'autopilot-turns-'));
  const database = await openSqliteDatabase({ path: ':memory:' });
  const store = new SqliteSessionStore(database);
  const registry = new MemoryStreamRegistry();
  const lock = new MemoryLock();
  const runtime = new HangingRuntime();
  const sessionEvents = new MemorySessionEvents();
  const logger = createLogger({ level: 'silent' });
  const service = new TurnService({
    store,
    transcripts: new SqliteTranscriptStore(database),
    files: new SqliteFileStore(database),
    fileBlobs: new DiskFileBlobs({ root: join(dir, 'files'), maxBytes: 1024 }),
    lock,
    registry,
    queue: options.queue ?? new MemoryTurnQueue(),
    runtime,
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
    lockTtlMs: options.lockTtlMs ?? 60_000,
    maxTurnMs: options.maxTurnMs ?? 300,
    maxRunningTurns: 64,
    modelSetupHint: 'configure a model',
    notifier: new SessionNotifier({ store, events: sessionEvents, logger }),
    metrics: new Metrics(),
    logger,
  });
  await store.ensureUser({ id: 'u', name: 'u' });
  return {
    store,
    registry,
    lock,
    runtime,
    sessionEvents,
    service,
    async close() {
      await service.shutdown();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
