import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** A session's tool allow and deny lists, as JSON; null means every tool. Never edit once released. */
export const sessionPermissionsMigration: Migration = {
  async up(database: Kysely<unknown>) {
    await database.schema.alterTable('sessions').addColumn('permissions', 'text').execute();
  },

  async down(database: Kysely<unknown>) {
    await database.schema.alterTable('sessions').dropColumn('permissions').execute();
  },
};
