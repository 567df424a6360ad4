import { type Kysely, sql } from 'kysely';
import type { StoreDatabase } from '../database-schema.ts';
import { toFileRecord } from '../file-row-mappers.ts';
import type { FileRecord, FileStore, NewFile } from '../file-store.ts';
import type { Scope } from '../session-store.ts';
import { directTransaction } from './direct-statements.ts';
import { assertOwnsSession } from './owner-scope.ts';
import { now } from './query-support.ts';

/** FileStore on the same Kysely database as the sessions; the queries are dialect-neutral. */
export class SqliteFileStore implements FileStore {
  readonly #database: Kysely<StoreDatabase>;

  constructor(database: Kysely<StoreDatabase>) {
    this.#database = database;
  }

  async createFile(file: NewFile): Promise<FileRecord> {
    const row = {
      id: file.id,
      owner_id: file.ownerId,
      session_id: file.sessionId,
      name: file.name,
      media_type: file.mediaType,
      size: file.size,
      sha256: file.sha256,
      storage_key: file.storageKey,
      created_at: now(),
    };
    await directTransaction(this.#database, async (transaction) => {
      if (file.sessionId !== null) {
        await assertOwnsSession({
          database: transaction,
          scope: { ownerId: file.ownerId, sessionId: file.sessionId },
        });
      }
      await transaction.insertInto('files').values(row).execute();
    });
    return toFileRecord(row);
  }

  async getFile(options: { ownerId: string; fileId: string }): Promise<FileRecord | null> {
    const row = await this.#database
      .selectFrom('files')
      .selectAll()
      .where('id', '=', options.fileId)
      .where('owner_id', '=', options.ownerId)
      .executeTakeFirst();
    return row ? toFileRecord(row) : null;
  }

  async sessionStorageKeys(scope: Scope): Promise<string[]> {
    const rows = await this.#database
      .selectFrom('files')
      .select('storage_key')
      .where('session_id', '=', scope.sessionId)
      .where('owner_id', '=', scope.ownerId)
      .execute();
    return rows.map((row) => row.storage_key);
  }

  async deleteSessionFiles(scope: Scope): Promise<string[]> {
    const rows = await this.#database
      .deleteFrom('files')
      .where('session_id', '=', scope.sessionId)
      .where('owner_id', '=', scope.ownerId)
      .returning('storage_key')
      .execute();
    return rows.map((row) => row.storage_key);
  }

  async bindToSession(options: Scope & { fileIds: string[] }): Promise<void> {
    if (options.fileIds.length === 0) return;
    await this.#database
      .updateTable('files')
      .set({ session_id: options.sessionId })
      .where('id', 'in', options.fileIds)
      .where('owner_id', '=', options.ownerId)
      .where('session_id', 'is', null)
      .execute();
  }

  async deleteUnboundFiles(options: { createdBefore: string }): Promise<string[]> {
    const rows = await this.#database
      .deleteFrom('files')
      .where('session_id', 'is', null)
      .where('created_at', '<', options.createdBefore)
      // A file a message lists was sent, whatever its session says (bound in the same admission).
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('messages')
              .select(sql`1`.as('listed'))
              .where(sql<boolean>`messages.metadata like '%"fileId":"' || files.id || '"%'`),
          ),
        ),
      )
      .returning('storage_key')
      .execute();
    return rows.map((row) => row.storage_key);
  }
}
