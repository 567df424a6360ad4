import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Every user message keeps its client `messageId` (unique per session), a regenerated turn marks
 * the rows it replaces as superseded instead of deleting them, and messages sent while a turn runs
 * wait durably in `waiting_messages` until a turn takes them. Never edit once released.
 */
export const waitingMessagesMigration: Migration = {
  async up(database: Kysely<unknown>) {
    await database.schema.alterTable('messages').addColumn('client_message_id', 'text').execute();
    // The id of the turn that replaced this row (a regenerate); such rows are kept but never shown.
    await database.schema.alterTable('messages').addColumn('superseded_by', 'text').execute();
    // Rows stored before this migration: a turn's first message carried the key on the turn.
    await sql`update messages set client_message_id = (
      select turns.client_message_id from turns where turns.user_message_id = messages.id
    ) where role = 'user'`.execute(database);
    await database.schema
      .createIndex('messages_session_client_message_unique')
      .on('messages')
      .columns(['session_id', 'client_message_id'])
      .unique()
      .execute();

    await database.schema
      .createTable('waiting_messages')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('session_id', 'text', (column) =>
        column.notNull().references('sessions.id').onDelete('cascade'),
      )
      .addColumn('owner_id', 'text', (column) => column.notNull())
      .addColumn('client_message_id', 'text', (column) => column.notNull())
      // The turn that will answer it, chosen when the first message starts waiting, so its stream
      // (and the `start` chunk's messageId) exists before the turn does.
      .addColumn('turn_id', 'text', (column) => column.notNull())
      .addColumn('delivery', 'text', (column) => column.notNull())
      .addColumn('text', 'text', (column) => column.notNull())
      .addColumn('position', 'integer', (column) => column.notNull())
      // The running turn that took a steered message mid-turn, until it is stored in that turn.
      .addColumn('claimed_by', 'text')
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addUniqueConstraint('waiting_messages_session_client_unique', ['session_id', 'client_message_id'])
      .execute();
    await database.schema
      .createIndex('waiting_messages_session_position_index')
      .on('waiting_messages')
      .columns(['session_id', 'position'])
      .execute();
  },

  async down(database: Kysely<unknown>) {
    await database.schema.dropTable('waiting_messages').execute();
    await database.schema.dropIndex('messages_session_client_message_unique').execute();
    await database.schema.alterTable('messages').dropColumn('superseded_by').execute();
    await database.schema.alterTable('messages').dropColumn('client_message_id').execute();
  },
};
