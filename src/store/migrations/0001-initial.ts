import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The first schema. Written with portable types only (text, integer, bigint, double precision)
 * so the same migration runs on SQLite and Postgres. Never edit it once released: add a new one.
 */
export const initialMigration: Migration = {
  async up(database: Kysely<unknown>) {
    await database.schema
      .createTable('users')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();

    await database.schema
      .createTable('sessions')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('owner_id', 'text', (column) => column.notNull())
      .addColumn('title', 'text')
      .addColumn('next_seq', 'integer', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addColumn('updated_at', 'text', (column) => column.notNull())
      .execute();
    // Serves listSessions: one owner's sessions, newest first, with keyset pagination.
    await database.schema
      .createIndex('sessions_owner_updated_index')
      .on('sessions')
      .columns(['owner_id', 'updated_at', 'id'])
      .execute();

    await database.schema
      .createTable('messages')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('session_id', 'text', (column) =>
        column.notNull().references('sessions.id').onDelete('cascade'),
      )
      .addColumn('seq', 'integer', (column) => column.notNull())
      .addColumn('role', 'text', (column) => column.notNull())
      .addColumn('turn_id', 'text')
      .addColumn('step', 'integer')
      .addColumn('content', 'text', (column) => column.notNull())
      .addColumn('tool_call', 'text')
      .addColumn('tool_call_id', 'text')
      .addColumn('metadata', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addUniqueConstraint('messages_session_seq_unique', ['session_id', 'seq'])
      .execute();

    await database.schema
      .createTable('turns')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('session_id', 'text', (column) =>
        column.notNull().references('sessions.id').onDelete('cascade'),
      )
      .addColumn('owner_id', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('message_id', 'text', (column) => column.notNull())
      .addColumn('client_message_id', 'text')
      .addColumn('user_message_id', 'text', (column) => column.notNull())
      .addColumn('error_code', 'text')
      .addColumn('fencing_token', 'bigint', (column) => column.notNull())
      .addColumn('started_at', 'text', (column) => column.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await database.schema
      .createIndex('turns_session_status_index')
      .on('turns')
      .columns(['session_id', 'status'])
      .execute();
    // The idempotency key of a message: one turn per key and session. NULL keys never collide.
    await database.schema
      .createIndex('turns_session_client_message_unique')
      .on('turns')
      .columns(['session_id', 'client_message_id'])
      .unique()
      .execute();

    await database.schema
      .createTable('usage')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('turn_id', 'text', (column) => column.notNull())
      // No foreign key: usage is the owner's ledger and outlives a deleted session (budgets count it).
      .addColumn('session_id', 'text', (column) => column.notNull())
      .addColumn('owner_id', 'text', (column) => column.notNull())
      .addColumn('model', 'text', (column) => column.notNull())
      .addColumn('input_tokens', 'integer', (column) => column.notNull())
      .addColumn('output_tokens', 'integer', (column) => column.notNull())
      .addColumn('cache_read_tokens', 'integer', (column) => column.notNull())
      .addColumn('cache_write_tokens', 'integer', (column) => column.notNull())
      .addColumn('cost_usd', 'double precision', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();
    await database.schema.createIndex('usage_session_index').on('usage').column('session_id').execute();
    await database.schema
      .createIndex('usage_owner_index')
      .on('usage')
      .columns(['owner_id', 'created_at'])
      .execute();

    await database.schema
      .createTable('transcripts')
      .addColumn('session_id', 'text', (column) =>
        column.primaryKey().references('sessions.id').onDelete('cascade'),
      )
      .addColumn('runtime', 'text', (column) => column.notNull())
      .addColumn('cli_session_id', 'text', (column) => column.notNull())
      .addColumn('content', 'text', (column) => column.notNull())
      .addColumn('covered_seq', 'integer', (column) => column.notNull())
      .addColumn('metadata', 'text', (column) => column.notNull().defaultTo('{}'))
      .addColumn('updated_at', 'text', (column) => column.notNull())
      .execute();
  },

  async down(database: Kysely<unknown>) {
    for (const table of ['transcripts', 'usage', 'turns', 'messages', 'sessions', 'users']) {
      await database.schema.dropTable(table).execute();
    }
  },
};
