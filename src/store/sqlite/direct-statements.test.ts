import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { StoreDatabase } from '../database-schema.ts';
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
    await database
      .transaction()
      .execute(async (trx) => {
        await insertSession.execute(trx, { id: 's3', title: 'inside' });
        expect(await titlesOf(trx)).toEqual(['inside']);
        throw new Error('undo');
      })
      .catch(() => {});
    expect(await titlesOf(database)).toEqual([]);
  });

  test('fail as before once the database is closed', async () => {
    await database.destroy();
    await expect(titlesOf(database)).rejects.toThrow(/destroyed/);
    database = await openSqliteDatabase({ path: join(directory, 'store.db') });
  });
});
