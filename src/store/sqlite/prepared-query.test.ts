import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Param, prepareQuery } from './prepared-query.ts';

interface NotesDatabase {
  notes: { id: string; owner: string; text: string; kind: string };
}

type Database = Kysely<NotesDatabase>;

function openDatabase(): Database {
  return new Kysely<NotesDatabase>({
    dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
  });
}

let builds = 0;
const insertNote = prepareQuery(
  (database: Database, param: Param<{ id: string; owner: string; text: string }>) => {
    builds += 1;
    return database
      .insertInto('notes')
      .values({ id: param('id'), owner: param('owner'), text: param('text'), kind: 'note' });
  },
);
const selectNote = prepareQuery((database: Database, param: Param<{ id: string; owner: string }>) =>
  database
    .selectFrom('notes')
    .selectAll()
    .where('id', '=', param('id'))
    .where('owner', '=', param('owner'))
    .where('kind', '=', 'note'),
);

describe('prepareQuery', () => {
  let database: Database;

  beforeEach(async () => {
    database = openDatabase();
    await database.schema
      .createTable('notes')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('text', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .execute();
  });

  afterEach(() => database.destroy());

  test('binds each placeholder by name and keeps the constants the query was built with', async () => {
    await insertNote.execute(database, { id: 'n1', owner: 'alice', text: 'first' });
    await insertNote.execute(database, { id: 'n2', owner: 'bob', text: 'second' });
    expect((await selectNote.execute(database, { id: 'n2', owner: 'bob' })).rows).toEqual([
      { id: 'n2', owner: 'bob', text: 'second', kind: 'note' },
    ]);
    expect((await selectNote.execute(database, { id: 'n2', owner: 'alice' })).rows).toEqual([]);
    const compiled = selectNote.compile(database, { id: 'n1', owner: 'alice' });
    expect(compiled.parameters).toEqual(['n1', 'alice', 'note']);
  });

  test('builds once per database, whichever database or transaction runs it first', async () => {
    const other = openDatabase();
    await other.schema
      .createTable('notes')
      .addColumn('id', 'text')
      .addColumn('owner', 'text')
      .addColumn('text', 'text')
      .addColumn('kind', 'text')
      .execute();
    const before = builds;
    await other
      .transaction()
      .execute((transaction) => insertNote.execute(transaction, { id: 'a', owner: 'alice', text: 'x' }));
    await insertNote.execute(other, { id: 'b', owner: 'alice', text: 'y' });
    expect(builds).toBe(before + 1);
    await other.destroy();
  });

  test('a missing value is an error, not a null, and nothing runs', async () => {
    const values = { id: 'n1', owner: 'alice', text: undefined } as unknown as {
      id: string;
      owner: string;
      text: string;
    };
    await expect(insertNote.execute(database, values)).rejects.toThrow(/no value for placeholder "text"/);
    expect(await database.selectFrom('notes').selectAll().execute()).toEqual([]);
  });

  test("a value spelled like a placeholder's name is kept as data", async () => {
    await insertNote.execute(database, { id: 'text', owner: 'owner', text: 'id' });
    expect((await selectNote.execute(database, { id: 'text', owner: 'owner' })).rows).toEqual([
      { id: 'text', owner: 'owner', text: 'id', kind: 'note' },
    ]);
  });

  test("runs on the open transaction's connection and rolls back with it", async () => {
    const failure = new Error('roll back');
    await expect(
      database.transaction().execute(async (transaction) => {
        await insertNote.execute(transaction, { id: 'n1', owner: 'alice', text: 'inside' });
        expect((await selectNote.execute(transaction, { id: 'n1', owner: 'alice' })).rows).toHaveLength(1);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await selectNote.execute(database, { id: 'n1', owner: 'alice' })).rows).toEqual([]);
  });

  test('a placeholder the query does not use is an error when it is prepared', () => {
    const unused = prepareQuery((db: Database, param: Param<{ id: string; owner: string }>) => {
      param('owner');
      return db.selectFrom('notes').selectAll().where('id', '=', param('id'));
    });
    expect(() => unused.compile(database, { id: 'n1', owner: 'alice' })).toThrow(/"owner" did not compile/);
  });
});
