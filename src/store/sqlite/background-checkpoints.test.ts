import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createLogger } from '../../util/logger.ts';
import { startBackgroundCheckpoints } from './background-checkpoints.ts';

let directory: string;
let path: string;
let connection: BetterSqlite3.Database;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'autopilot-checkpoints-'));
  path = join(directory, 'autopilot.db');
  connection = new BetterSqlite3(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.exec('create table rows (id integer primary key, body text not null)');
});

afterEach(async () => {
  if (connection.open) connection.close();
  await rm(directory, { recursive: true, force: true });
});

const roundBytes = 1024 * 1024;

/** About a mebibyte of rows in one transaction: some 300 pages, a third of SQLite's own threshold. */
function writeRound(): void {
  const insert = connection.prepare('insert into rows (body) values (?)');
  connection.transaction(() => {
    for (let row = 0; row < roundBytes / 1024; row++) insert.run('x'.repeat(1024));
  })();
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** The log's salts: they change when the log starts over, and only then. */
function logSalts(): string {
  // Only the header's salts: reading the whole log on every check would slow the writes it watches.
  const descriptor = openSync(`${path}-wal`, 'r');
  try {
    const salts = Buffer.alloc(8);
    readSync(descriptor, salts, 0, 8, 16);
    return salts.toString('hex');
  } finally {
    closeSync(descriptor);
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('timed out waiting for a checkpoint');
    await sleep(10);
  }
}

test('the connection itself never checkpoints: a commit past SQLite’s threshold leaves the database file as it was', async () => {
  const checkpoints = startBackgroundCheckpoints({ connection, path, intervalMs: 3_600_000 });
  const before = sizeOf(path);
  for (let round = 0; round < 6; round++) writeRound();
  expect(sizeOf(`${path}-wal`)).toBeGreaterThan(5 * roundBytes);
  expect(sizeOf(path)).toBe(before);
  checkpoints.stop();
});

test('the worker copies the log into the database file, and the last connection to close removes the log', async () => {
  const checkpoints = startBackgroundCheckpoints({ connection, path, intervalMs: 10, checkpointFrames: 1 });
  const before = sizeOf(path);
  writeRound();
  // In the database file soon after the commit, with nothing more done on this connection.
  await until(() => sizeOf(path) >= before + roundBytes);
  checkpoints.stop();
  connection.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
  const reader = new BetterSqlite3(path, { readonly: true });
  expect(reader.prepare('select count(*) as count from rows').get()).toEqual({ count: roundBytes / 1024 });
  reader.close();
});

test('under writes without a pause, the log still starts over instead of growing', async () => {
  const restartFrames = 256;
  const checkpoints = startBackgroundCheckpoints({
    connection,
    path,
    intervalMs: 10,
    checkpointFrames: 1,
    restartFrames,
  });
  // Once the worker is at work (it takes a moment to start)…
  const before = sizeOf(path);
  writeRound();
  await until(() => sizeOf(path) >= before + roundBytes);
  const insert = connection.prepare('insert into rows (body) values (?)');
  // …8,000 commits, 16 MiB in all, 20 at a time with the shortest of pauses between. A checkpoint
  // seldom ends in a pause, so the log starts over only because the connection helps: past
  // `restartFrames` pages, when the worker asks. How soon it asks depends on how the machine shares
  // its cores with the worker (under the whole suite, it once let the log pass 8 MiB).
  let largestLog = 0;
  let restartsPastBound = 0;
  let salts = logSalts();
  let previousLog = sizeOf(`${path}-wal`);
  for (let batch = 0; batch < 400; batch++) {
    for (let row = 0; row < 20; row++) insert.run('y'.repeat(2048));
    const log = sizeOf(`${path}-wal`);
    largestLog = Math.max(largestLog, log);
    const now = logSalts();
    if (now !== salts && previousLog > restartFrames * 4096) restartsPastBound += 1;
    salts = now;
    previousLog = log;
    await sleep(0);
  }
  expect(restartsPastBound).toBeGreaterThan(0);
  // Without the connection's help it grew past 60 MiB here (16 MiB of rows, their pages written
  // again and again); with it, a few MiB. The bound leaves room for a worker kept waiting.
  expect(largestLog).toBeLessThan(24 * 1024 * 1024);
  checkpoints.stop();
  const rows = 8_000 + roundBytes / 1024;
  expect(connection.prepare('select count(*) as count from rows').get()).toEqual({ count: rows });
});

test('a log of fewer pages than the threshold stays: the write after a pause does not start it over', async () => {
  const checkpoints = startBackgroundCheckpoints({
    connection,
    path,
    intervalMs: 10,
    checkpointFrames: 1000,
  });
  const before = sizeOf(path);
  writeRound();
  const salts = logSalts();
  // Many of the worker's looks later, nothing was copied, so the next write appends to the log
  // instead of starting it over (which syncs a new header on this thread).
  await sleep(300);
  expect(sizeOf(path)).toBe(before);
  connection.prepare('insert into rows (body) values (?)').run('after a pause');
  expect(logSalts()).toBe(salts);
  // Past the threshold the worker copies the log.
  for (let round = 0; round < 3; round++) writeRound();
  await until(() => sizeOf(path) >= before + 4 * roundBytes);
  checkpoints.stop();
});

test('a commit is synced to disk within the sync interval even with no checkpoint, and only once', async () => {
  let syncs = 0;
  const checkpoints = startBackgroundCheckpoints({
    connection,
    path,
    intervalMs: 10,
    syncIntervalMs: 50,
    onLogSynced: () => syncs++,
  });
  // The table's creation is in the log already.
  await until(() => syncs === 1);
  connection.prepare('insert into rows (body) values (?)').run('kept through a power loss');
  await until(() => syncs === 2);
  // Nothing changed since: the log is not synced again.
  await sleep(300);
  expect(syncs).toBe(2);
  connection.prepare('insert into rows (body) values (?)').run('and this one');
  await until(() => syncs === 3);
  checkpoints.stop();
});

test('a database opened through a symbolic link has its log looked at where SQLite keeps it', async () => {
  connection.close();
  // A link to the database file, in another folder.
  await mkdir(join(directory, 'elsewhere'));
  const linked = join(directory, 'elsewhere', 'autopilot.db');
  await symlink(path, linked);
  connection = new BetterSqlite3(linked);
  let syncs = 0;
  const checkpoints = startBackgroundCheckpoints({
    connection,
    path: linked,
    intervalMs: 10,
    syncIntervalMs: 50,
    onLogSynced: () => syncs++,
  });
  // SQLite follows the link: the log is beside the real file, not the link.
  connection.prepare('insert into rows (body) values (?)').run('through the link');
  expect(existsSync(`${path}-wal`)).toBe(true);
  expect(existsSync(`${linked}-wal`)).toBe(false);
  await until(() => syncs >= 1);
  checkpoints.stop();
});

test('a log that a reader keeps from being copied is still synced', async () => {
  let syncs = 0;
  const checkpoints = startBackgroundCheckpoints({
    connection,
    path,
    intervalMs: 10,
    checkpointFrames: 1,
    syncIntervalMs: 50,
    onLogSynced: () => syncs++,
  });
  writeRound();
  await until(() => sizeOf(path) >= roundBytes);
  // A backup or a shell holds a snapshot: what comes after it cannot be copied into the file.
  const reader = new BetterSqlite3(path, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('select count(*) from rows').get();
  const before = syncs;
  connection.prepare('insert into rows (body) values (?)').run('after the snapshot');
  await until(() => syncs > before);
  reader.exec('COMMIT');
  reader.close();
  checkpoints.stop();
});

test('a worker that fails hands checkpoints back to the connection, and says so', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // The worker's connection needs the file to exist: this one does not.
  const checkpoints = startBackgroundCheckpoints({
    connection,
    path: join(directory, 'missing.db'),
    logger: createLogger({ level: 'warn', destination }),
    intervalMs: 10,
  });
  expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  await until(() => connection.pragma('wal_autocheckpoint', { simple: true }) === 1000);
  expect(lines.join('')).toContain('background checkpoints failed');
  // And the connection checkpoints on commit again.
  const before = sizeOf(path);
  for (let round = 0; round < 6; round++) writeRound();
  expect(sizeOf(path)).toBeGreaterThan(before);
  // Stopping a worker that is gone does not wait for it.
  const stoppingAt = performance.now();
  checkpoints.stop();
  expect(performance.now() - stoppingAt).toBeLessThan(1_000);
});

test('stopping a worker that failed before the server heard of it does not wait out the timeout', () => {
  const checkpoints = startBackgroundCheckpoints({ connection, path: join(directory, 'missing.db') });
  // At once, before this thread has handled the worker's exit: the worker says it is done itself.
  const stoppingAt = performance.now();
  checkpoints.stop();
  expect(performance.now() - stoppingAt).toBeLessThan(2_000);
});
