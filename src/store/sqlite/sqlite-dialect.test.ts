import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { StoreSqliteDialect } from './sqlite-dialect.ts';
import { createSqliteSessionStore, type SqliteSessionStore } from './sqlite-session-store.ts';

interface Table {
  id: number;
  name: string;
  count: number | null;
  amount: number;
}

/** The same rows under Kysely's own dialect and ours. */
function openBoth(): {
  plain: Kysely<{ t: Table }>;
  ours: Kysely<{ t: Table }>;
  connection: BetterSqlite3.Database;
  close(): void;
} {
  const connection = new BetterSqlite3(':memory:');
  connection.exec(`create table t (id integer primary key, name text not null, count integer, amount real not null);
    create index t_name on t (name, id);
    insert into t values (1, '5', 5, 1.5), (2, 'five', null, 2), (3, '05', 7, 3), (4, 'Five', 8, 4.25);`);
  const plain = new Kysely<{ t: Table }>({ dialect: new SqliteDialect({ database: connection }) });
  const ours = new Kysely<{ t: Table }>({ dialect: new StoreSqliteDialect({ database: connection }) });
  return { plain, ours, connection, close: () => connection.close() };
}

describe('StoreSqliteDialect', () => {
  let store: SqliteSessionStore | undefined;
  const originalFunction = globalThis.Function;
  afterEach(async () => {
    globalThis.Function = originalFunction;
    await store?.close();
    store = undefined;
  });

  test('every parameter is written as +?, never as a bare ?', () => {
    const { ours, close } = openBoth();
    const query = ours
      .selectFrom('t')
      .selectAll()
      .where('name', '=', 'x')
      .where('count', 'in', [1, 2])
      .orderBy('id')
      .limit(3)
      .compile();
    close();
    expect(query.sql).toBe(
      'select * from "t" where "name" = +? and "count" in (+?, +?) order by "id" limit +?',
    );
    expect(query.parameters).toEqual(['x', 1, 2, 3]);
  });

  test('comparisons, affinities, limits and stored values come out as with bare parameters', async () => {
    const { plain, ours, close } = openBoth();
    try {
      // Each query runs under both dialects: a text column against a number, an integer column
      // against a numeric string, a real column against an integer, IS NULL, a limit, a range.
      const queries = [
        (db: Kysely<{ t: Table }>) =>
          db
            .selectFrom('t')
            .select('id')
            .where('name', '=', 5 as never),
        (db: Kysely<{ t: Table }>) =>
          db
            .selectFrom('t')
            .select('id')
            .where('count', '=', '5' as never),
        (db: Kysely<{ t: Table }>) => db.selectFrom('t').select('id').where('amount', '=', 2),
        (db: Kysely<{ t: Table }>) => db.selectFrom('t').select('id').where('count', 'is', null),
        (db: Kysely<{ t: Table }>) => db.selectFrom('t').select('id').where('name', '>', 'F').orderBy('id'),
        (db: Kysely<{ t: Table }>) => db.selectFrom('t').select('id').orderBy('id', 'desc').limit(2),
        (db: Kysely<{ t: Table }>) =>
          db.selectFrom('t').select('id').where('name', 'like', 'f%').orderBy('id').offset(0).limit(10),
        (db: Kysely<{ t: Table }>) => db.selectFrom('t').select(sql<number>`${'7'} + ${1}`.as('sum')),
      ];
      for (const query of queries) {
        const expected = await query(plain).execute();
        expect(await query(ours).execute()).toEqual(expected);
      }
      // Values stored through a parameter take the column's affinity alike.
      for (const [db, id] of [
        [plain, 10],
        [ours, 11],
      ] as const) {
        await db
          .insertInto('t')
          .values({ id, name: 12 as never, count: '13' as never, amount: 1 })
          .execute();
      }
      const stored = await sql<{ name: unknown; count: unknown; types: string }>`
        select name, count, typeof(name) || typeof(count) || typeof(amount) as types from t where id in (10, 11)`.execute(
        plain,
      );
      expect(stored.rows[1]).toEqual(stored.rows[0]);
      expect(stored.rows[0]).toMatchObject({ count: 13, types: 'textintegerreal' });
    } finally {
      close();
    }
  });

  test('an equality on a parameter still searches the index, which still gives the order', () => {
    const { ours, connection, close } = openBoth();
    const query = ours.selectFrom('t').selectAll().where('name', '=', 'five').orderBy('id').compile();
    const plan = connection.prepare(`explain query plan ${query.sql}`).all(...query.parameters) as {
      detail: string;
    }[];
    close();
    expect(plan.map((row) => row.detail)).toEqual(['SEARCH t USING INDEX t_name (name=?)']);
  });

  test('a prepared statement is not compiled again on each run (equality beside ORDER BY)', async () => {
    store = await createSqliteSessionStore({ path: ':memory:' });
    await store.ensureUser({ id: 'alice', name: 'Alice' });
    const session = await store.createSession({ ownerId: 'alice' });
    const scope = { ownerId: 'alice', sessionId: session.id };
    await store.appendMessage({ ...scope, message: { id: 'm1', role: 'user', content: 'hello' } });
    await store.listMessages(scope);
    // better-sqlite3 makes a new row function (`Function`) for a statement each time SQLite has
    // compiled it again: with a bare `?` next to the ORDER BY, that was every run.
    let rowFunctionsMade = 0;
    globalThis.Function = new Proxy(originalFunction, {
      apply(target, thisArgument, args: string[]) {
        rowFunctionsMade += 1;
        return Reflect.apply(target, thisArgument, args);
      },
    });
    for (let run = 0; run < 10; run++) await store.listMessages(scope);
    globalThis.Function = originalFunction;
    expect(rowFunctionsMade).toBe(0);
  });
});
