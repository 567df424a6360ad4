import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../../util/logger.ts';

/** How often the worker looks at the log. */
export const defaultCheckpointIntervalMs = 100;
/** The log is copied into the database file once it holds this many pages (SQLite's own default). */
export const defaultCheckpointFrames = 1000;
/** A log that changed is synced at least this often, checkpoint or not. */
export const defaultSyncIntervalMs = 1_000;
/** Past this many pages (16 MiB), the connection helps the log start over (see below). */
export const defaultRestartFrames = 4096;

// Plain JavaScript evaluated in the worker: no loader is needed there. It has its own connection
// to the same file; a PASSIVE checkpoint never waits for, or blocks, the server's reads and writes.
const workerSource = `
const { closeSync, fdatasyncSync, openSync, statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
// However the worker ends (stopped, or failed at any point), the server's thread, if it waits in
// stop(), is told at once.
const closed = () => {
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
};
process.on('exit', closed);
let connection;
let timer;
try {
  const Database = require(workerData.driver);
  connection = new Database(workerData.path, { fileMustExist: true });
  connection.pragma('synchronous = NORMAL');
} catch (error) {
  closed();
  throw error;
}
/**
 * The pages in the log and those copied (all, unless a reader still needs older ones), or null
 * if busy: the next interval tries again.
 */
const checkpoint = () => {
  try {
    return connection.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch (error) {
    if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED') return null;
    throw error;
  }
};
// Each page in the log is a frame of the page plus 24 bytes, after a 32-byte header. The log is
// cut to what it holds each time it starts over (journal_size_limit 0), so its size tells how
// many pages it holds. A log that cannot be looked at is copied as before, every pass.
const frameBytes = workerData.pageSize + 24;
const logFile = () => {
  try {
    return statSync(workerData.logPath);
  } catch {
    return null;
  }
};
// With synchronous=NORMAL a commit is written to the log but not synced: a checkpoint syncs it.
// Between checkpoints the log is synced here, at most once per syncIntervalMs and only when it
// changed, so a power loss takes back a second of commits at most. SQLite locks the database
// and its shared-memory file, never the log, so opening and closing the log here drops no lock.
let syncedSize = -1;
let syncedMtime = -1;
let syncedAt = 0;
const syncLog = (file) => {
  if (!file || (file.size === syncedSize && file.mtimeMs === syncedMtime)) return;
  if (performance.now() - syncedAt < workerData.syncIntervalMs) return;
  let descriptor;
  try {
    descriptor = openSync(workerData.logPath, 'r');
  } catch {
    // Out of descriptors for a moment, say: the next pass tries again.
    return;
  }
  try {
    fdatasyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  syncedSize = file.size;
  syncedMtime = file.mtimeMs;
  syncedAt = performance.now();
  parentPort.postMessage('synced');
};
const pass = () => {
  try {
    const file = logFile();
    if (file && Math.floor((file.size - 32) / frameBytes) < workerData.checkpointFrames) {
      syncLog(file);
      return;
    }
    const copied = checkpoint();
    // A checkpoint syncs the log only when it copies something; one that could not copy it all
    // (busy, or another connection reading an older snapshot) leaves the rest to be synced here.
    if (!copied || copied.checkpointed < copied.log) syncLog(file);
    if (!copied || copied.log <= workerData.restartFrames) return;
    // Past the bound, a second pass copies what came in during the first, so that the server's
    // connection, asked next, has only the last few milliseconds' pages left to copy.
    checkpoint();
    parentPort.postMessage('restart');
  } catch (error) {
    clearInterval(timer);
    closed();
    throw error;
  }
};
timer = setInterval(pass, workerData.intervalMs);
parentPort.on('message', () => {
  // The only message to the worker is stop.
  clearInterval(timer);
  connection.close();
  closed();
  parentPort.close();
});
`;

/** How long closing the store waits for the worker's connection to close. */
const stopTimeoutMs = 5_000;

/**
 * WAL checkpoints on a worker thread. A checkpoint copies the pages the write-ahead log holds
 * into the database file and syncs both. SQLite's own runs inside whichever commit takes the log
 * past 1,000 pages, on the event loop: a stall of several milliseconds every few dozen turns, in
 * which no viewer gets a delta. Here the server's connection does not checkpoint on commit; the
 * worker does, once the log holds `checkpointFrames` pages (it looks every `intervalMs`). Not
 * sooner: the write that finds the log all copied starts it over, and syncs its new header on
 * the server's thread (0.3-0.6 ms here). Copied every 100 ms, the log was all copied whenever a
 * message came after a pause, so nearly every such message paid that sync before its model call.
 * A commit is not synced by itself (synchronous=NORMAL): the worker syncs a log that changed at
 * least once a second, so a power loss takes back at most about a second of commits.
 *
 * Under steady writes, a write almost always lands while the worker copies, so the log would
 * never start over. So past `restartFrames` the connection checkpoints itself, between two of its
 * own transactions, and its next write starts the log over. That has only the last few pages to
 * copy, but like any checkpoint it syncs the log and the file: a stall of a few milliseconds, once
 * per `restartFrames` pages of writes. If the worker fails, the connection checkpoints on commit
 * again, as SQLite does by default. `stop` before the connection closes.
 */
export function startBackgroundCheckpoints(options: {
  connection: BetterSqlite3.Database;
  path: string;
  logger?: Logger;
  intervalMs?: number;
  checkpointFrames?: number;
  restartFrames?: number;
  /** The log, when it changed and no checkpoint came, is synced at most this often. */
  syncIntervalMs?: number;
  /** Tests: called when the worker has synced the log (not by a checkpoint). */
  onLogSynced?: () => void;
}): { stop(): void } {
  const { connection, logger } = options;
  connection.pragma('wal_autocheckpoint = 0');
  const restartFrames = options.restartFrames ?? defaultRestartFrames;
  // The log is cut to what it holds whenever it starts over: its size then counts its pages, and
  // a log that grew in a burst gives the space back.
  const pageSize = connection.pragma('page_size', { simple: true }) as number;
  connection.pragma('journal_size_limit = 0');
  // The file SQLite opened, its log beside it: a path through a symbolic link names another place.
  const databaseFile = (connection.pragma('database_list') as { name: string; file: string }[]).find(
    (database) => database.name === 'main',
  )?.file;
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: options.path,
      intervalMs: options.intervalMs ?? defaultCheckpointIntervalMs,
      logPath: `${databaseFile || options.path}-wal`,
      checkpointFrames: options.checkpointFrames ?? defaultCheckpointFrames,
      syncIntervalMs: options.syncIntervalMs ?? defaultSyncIntervalMs,
      restartFrames,
      pageSize,
      closed,
    },
  });
  // Checkpoints are a background duty: they never keep the process alive.
  worker.unref();
  let running = true;
  worker.once('exit', () => {
    running = false;
  });
  worker.on('message', (message: 'restart' | 'synced') => {
    if (message === 'synced') {
      options.onLogSynced?.();
      return;
    }
    if (!connection.open || connection.inTransaction) return;
    try {
      connection.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Another checkpoint or a reader in the way: the worker asks again after its next pass.
    }
  });
  worker.once('error', (error) => {
    if (!connection.open) return;
    connection.pragma('wal_autocheckpoint = 1000');
    logger?.warn({ err: error }, 'background checkpoints failed; the database checkpoints on commit again');
  });
  return {
    /**
     * Closes the worker's connection, blocking this thread until it has (a close cannot wait
     * otherwise): the server's connection, closed next, is then the last, and removes the log.
     */
    stop() {
      if (!running) return;
      worker.postMessage('stop');
      if (Atomics.wait(closed, 0, 0, stopTimeoutMs) === 'timed-out')
        logger?.warn(
          'the checkpoint worker did not close its connection in time; closing the database anyway',
        );
    },
  };
}
