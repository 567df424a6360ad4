import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * User messages stored before every message carried a key (0003 gave one only to those whose turn
 * had one) are listed by their row id: that id becomes their key, so a client that names such a
 * message (a retry, a repeat) finds it, and the unique key guards it from being stored twice. A
 * row id some other message of the session already holds as its key, stored or waiting, is left
 * without one: the waiting message could otherwise never be stored. Never edit once released.
 */
export const keyEveryUserMessageMigration: Migration = {
  async up(database: Kysely<unknown>) {
    await sql`
      update messages set client_message_id = id
      where role = 'user' and client_message_id is null
        and not exists (
          select 1 from messages as keyed
          where keyed.session_id = messages.session_id and keyed.client_message_id = messages.id
        )
        and not exists (
          select 1 from waiting_messages as waiting
          where waiting.session_id = messages.session_id and waiting.client_message_id = messages.id
        )
    `.execute(database);
  },

  // The keys are the ids the rows were listed by already: taking them away again changes nothing a client saw.
  async down() {},
};
