import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, expect, test } from 'vitest';
import { migrations } from './index.ts';

let database: Kysely<unknown> | undefined;
afterEach(async () => database?.destroy());

test('a user message stored without a key gets its id as its key, unless another message holds it, stored or waiting', async () => {
  database = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  const migrator = new Migrator({ db: database, provider: { getMigrations: async () => migrations } });
  expect((await migrator.migrateTo('0006_bind_sent_files')).error).toBeUndefined();
  const at = '2026-11-01T00:00:00.000Z';
  await sql`insert into users (id, name, created_at) values ('alice', 'alice', ${at})`.execute(database);
  for (const session of ['s1', 's2']) {
    await sql`insert into sessions (id, owner_id, next_seq, created_at, updated_at) values (${session}, 'alice', 9, ${at}, ${at})`.execute(
      database,
    );
  }
  const rows: [id: string, session: string, seq: number, role: string, key: string | null][] = [
    ['old', 's1', 1, 'user', null],
    ['reply', 's1', 2, 'assistant', null],
    ['keyed', 's1', 3, 'user', 'k1'],
    // A client once chose another row's id as its key: that row is left without one.
    ['taken', 's1', 4, 'user', null],
    ['chooser', 's1', 5, 'user', 'taken'],
    // The same id as a key in another session is no obstacle.
    ['other', 's2', 1, 'user', null],
    ['elsewhere', 's1', 6, 'user', 'other'],
  ];
  for (const [id, session, seq, role, key] of rows) {
    await sql`insert into messages (id, session_id, seq, role, content, metadata, client_message_id, created_at)
      values (${id}, ${session}, ${seq}, ${role}, 'x', '{}', ${key}, ${at})`.execute(database);
  }

  // A message waiting (it outlives a restart) whose key is a keyless row's id: that row stays keyless.
  await sql`insert into messages (id, session_id, seq, role, content, metadata, created_at)
    values ('queued', 's1', 7, 'user', 'x', '{}', ${at})`.execute(database);
  await sql`insert into waiting_messages (id, session_id, owner_id, turn_id, client_message_id, delivery, text, position, created_at)
    values ('w1', 's1', 'alice', 't9', 'queued', 'next-turn', 'later', 1, ${at})`.execute(database);

  expect((await migrator.migrateToLatest()).error).toBeUndefined();

  const keys = await sql<{ id: string; client_message_id: string | null }>`
    select id, client_message_id from messages order by session_id, seq`.execute(database);
  expect(keys.rows).toEqual([
    { id: 'old', client_message_id: 'old' },
    { id: 'reply', client_message_id: null },
    { id: 'keyed', client_message_id: 'k1' },
    { id: 'taken', client_message_id: null },
    { id: 'chooser', client_message_id: 'taken' },
    { id: 'elsewhere', client_message_id: 'other' },
    { id: 'queued', client_message_id: null },
    { id: 'other', client_message_id: 'other' },
  ]);
});
