import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Whether a usage row's cost is known (its model has a price). Rows from before this migration
 * keep 1: their cost was recorded as it was. Never edit once released.
 */
export const usageCostKnownMigration: Migration = {
  async up(database: Kysely<unknown>) {
    await database.schema
      .alterTable('usage')
      .addColumn('cost_known', 'integer', (column) => column.notNull().defaultTo(1))
      .execute();
  },

  async down(database: Kysely<unknown>) {
    await database.schema.alterTable('usage').dropColumn('cost_known').execute();
  },
};
