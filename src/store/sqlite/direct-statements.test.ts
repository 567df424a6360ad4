import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { StoreDatabase } from '../database-schema.ts';
import { directTransaction } from './direct-statements.ts';
import { openSqliteDatabase } from './open-sqlite-database.ts';
import { type Param, prepareQuery } from './prepared-query.ts';

type Database = Kysely<StoreDatabase>;

const insertSession = prepareQuery((database: Database, param: Param<{ id: string; title: string }>) =>
  database.insertInto('sessions').values({
    id: param('id'),
    owner_id: 'local',
    title: param('title'),
    permissions: null,
    next_seq: 1,
    created_at: '2026-11-30T00:00:00.000Z',
    updated_at: '2026-11-30T00:00:00.000Z',
  }),
);
const selectTitles = prepareQuery((database: Database, param: Param<{ owner: string }>) =>
  database.selectFrom('sessions').select('title').where('owner_id', '=', param('owner')).orderBy('title'),
);

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const titlesOf = async (database: Database) =>
  (await selectTitles.execute(database, { owner: 'local' })).rows.map((row) => row.title);

describe('prepared queries on the embedded database', () => {
  let directory: string;
  let database: Database;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'autopilot-direct-'));
    database = await openSqliteDatabase({ path: join(directory, 'store.db') });
  });

  afterEach(async () => {
    await database.destroy();
    await rm(directory, { recursive: true, force: true });
  });

  test('run at once when no transaction is open, with results as Kysely gives them', async () => {
    const pending = insertSession.execute(database, { id: 's1', title: 'first' });
    // Nothing was awaited: the row is already there.
    const raw = await database.selectFrom('sessions').select('id').execute();
    expect(raw).toEqual([{ id: 's1' }]);
    expect(await pending).toEqual({ insertId: 1n, numAffectedRows: 1n, rows: [] });
    expect(await titlesOf(database)).toEqual(['first']);
  });

  test('wait for another caller’s open transaction, and neither see nor join it', async () => {
    const paused = gate();
    const inside = gate();
    const transaction = database.transaction().execute(async (trx) => {
      await insertSession.execute(trx, { id: 'uncommitted', title: 'uncommitted' });
      inside.open();
      await paused.opened;
      throw new Error('rolled back');
    });
    await inside.opened;
    // Issued while the transaction waits between two of its steps.
    const read = titlesOf(database);
    const write = insertSession.execute(database, { id: 's2', title: 'outside' });
    let settled = false;
    void Promise.allSettled([read, write]).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    paused.open();
    await expect(transaction).rejects.toThrow('rolled back');
    // The read ran after the rollback, and the write was not undone with it.
    expect(await read).toEqual([]);
    await write;
    expect(await titlesOf(database)).toEqual(['outside']);
  });

  test('run inside their own transaction, and are undone with it', async () => {
    await directTransaction(database, async (trx) => {
      await insertSession.execute(trx, { id: 's3', title: 'inside' });
      expect(await titlesOf(trx)).toEqual(['inside']);
      throw new Error('undo');
    }).catch(() => {});
    expect(await titlesOf(database)).toEqual([]);
  });

  test('from a transaction kept past its callback, never run inside another caller’s transaction', async () => {
    let kept: Database | undefined;
    await directTransaction(database, async (trx) => {
      kept = trx;
      await insertSession.execute(trx, { id: 'a', title: 'a' });
    });
    const paused = gate();
    const inside = gate();
    const other = directTransaction(database, async (trx) => {
      await insertSession.execute(trx, { id: 'b', title: 'b' });
      inside.open();
      await paused.opened;
      throw new Error('rolled back');
    });
    await inside.opened;
    const stale = insertSession.execute(kept!, { id: 'stale', title: 'stale' });
    await expect(stale).rejects.toThrow(/committed/);
    paused.open();
    await expect(other).rejects.toThrow('rolled back');
    expect(await titlesOf(database)).toEqual(['a']);
  });

  test('wait while a connection() scope holds the connection with settings of its own', async () => {
    const paused = gate();
    const inside = gate();
    const scope = database.connection().execute(async (connection) => {
      await sql`PRAGMA busy_timeout = 0`.execute(connection);
      inside.open();
      await paused.opened;
      await sql`PRAGMA busy_timeout = 5000`.execute(connection);
    });
    await inside.opened;
    let scopeEnded = false;
    let ranDuringScope = false;
    const read = titlesOf(database).then(() => {
      ranDuringScope = !scopeEnded;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    scopeEnded = true;
    paused.open();
    await scope;
    await read;
    expect(ranDuringScope).toBe(false);
  });

  test('keep their place behind a transaction that asked for the connection first', async () => {
    const first = directTransaction(database, async (trx) => {
      await insertSession.execute(trx, { id: 'first', title: 'first' });
    });
    // Asked for in the same tick, after the transaction.
    const second = insertSession.execute(database, { id: 'second', title: 'second' });
    await Promise.all([first, second]);
    const order = await database.selectFrom('sessions').select('id').orderBy(sql`rowid`).execute();
    expect(order.map((row) => row.id)).toEqual(['first', 'second']);
  });

  test('fail as before once the database is closed', async () => {
    await database.destroy();
    await expect(titlesOf(database)).rejects.toThrow(/destroyed/);
    database = await openSqliteDatabase({ path: join(directory, 'store.db') });
  });
});
