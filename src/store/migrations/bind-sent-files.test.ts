import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, expect, test } from 'vitest';
import { migrations } from './index.ts';

let database: Kysely<unknown> | undefined;
afterEach(async () => database?.destroy());

test('a file sent before files were bound is bound to the session of the message that lists it', async () => {
  database = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  const migrator = new Migrator({ db: database, provider: { getMigrations: async () => migrations } });
  expect((await migrator.migrateTo('0005_session_permissions')).error).toBeUndefined();
  const at = '2026-11-01T00:00:00.000Z';
  await sql`insert into users (id, name, created_at) values ('alice', 'alice', ${at})`.execute(database);
  await sql`insert into sessions (id, owner_id, next_seq, created_at, updated_at) values ('s1', 'alice', 2, ${at}, ${at})`.execute(
    database,
  );
  for (const id of ['sent', 'never-sent']) {
    await sql`insert into files (id, owner_id, session_id, name, media_type, size, sha256, storage_key, created_at)
      values (${id}, 'alice', null, 'a.txt', 'text/plain', 1, 'x', ${`key-${id}`}, ${at})`.execute(database);
  }
  const metadata = JSON.stringify({
    attachments: [{ fileId: 'sent', name: 'a.txt', path: 'attachments/a.txt' }],
  });
  await sql`insert into messages (id, session_id, seq, role, content, metadata, created_at)
    values ('m1', 's1', 1, 'user', 'see', ${metadata}, ${at})`.execute(database);

  expect((await migrator.migrateToLatest()).error).toBeUndefined();

  const rows = await sql<{
    id: string;
    session_id: string | null;
  }>`select id, session_id from files order by id`.execute(database);
  expect(rows.rows).toEqual([
    { id: 'never-sent', session_id: null },
    { id: 'sent', session_id: 's1' },
  ]);
});
