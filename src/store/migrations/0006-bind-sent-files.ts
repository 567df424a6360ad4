import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Files uploaded for no session and then sent were left bound to none: they outlived their
 * session, and the sweep of uploads never sent would take them from the messages that show them.
 * Each is bound to the session of a message that lists it (`metadata.attachments[].fileId`, JSON
 * text written by `JSON.stringify`). Never edit once released.
 */
export const bindSentFilesMigration: Migration = {
  async up(database: Kysely<unknown>) {
    const listed = sql`messages.metadata like '%"fileId":"' || files.id || '"%'`;
    await sql`
      update files set session_id = (
        select messages.session_id from messages where ${listed} limit 1
      )
      where files.session_id is null and exists (select 1 from messages where ${listed})
    `.execute(database);
  },

  // Binding them again to no session would only bring the defect back.
  async down() {},
};
