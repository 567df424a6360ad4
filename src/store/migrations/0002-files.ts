import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Uploaded files: the record here, the bytes in blob storage under `storage_key`. Never edit once released. */
export const filesMigration: Migration = {
  async up(database: Kysely<unknown>) {
    await database.schema
      .createTable('files')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('owner_id', 'text', (column) => column.notNull())
      // A file uploaded for a session goes with it; one uploaded on its own belongs to the owner only.
      .addColumn('session_id', 'text', (column) => column.references('sessions.id').onDelete('cascade'))
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('media_type', 'text', (column) => column.notNull())
      .addColumn('size', 'bigint', (column) => column.notNull())
      .addColumn('sha256', 'text', (column) => column.notNull())
      .addColumn('storage_key', 'text', (column) => column.notNull().unique())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();
    await database.schema.createIndex('files_owner_index').on('files').column('owner_id').execute();
    await database.schema.createIndex('files_session_index').on('files').column('session_id').execute();
  },

  async down(database: Kysely<unknown>) {
    await database.schema.dropTable('files').execute();
  },
};
