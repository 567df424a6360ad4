import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { StoreDatabase } from '../database-schema.ts';
import { jsonTextColumn, metadataSchema } from '../session-row-mappers.ts';
import type { Scope } from '../session-store.ts';
import type { StoredTranscript, TranscriptStore } from '../transcript-store.ts';
import { directTransaction } from './direct-statements.ts';

const rowSchema = z.object({
  runtime: z.string(),
  cli_session_id: z.string(),
  content: z.string(),
  covered_seq: z.coerce.number().int(),
  // Facts kept beside the transcript are a help, not a must: unreadable ones count as none.
  metadata: jsonTextColumn.pipe(metadataSchema).catch({}),
  updated_at: z.string(),
});

/** TranscriptStore on the same Kysely database as the sessions; the queries are dialect-neutral. */
export class SqliteTranscriptStore implements TranscriptStore {
  readonly #database: Kysely<StoreDatabase>;

  constructor(database: Kysely<StoreDatabase>) {
    this.#database = database;
  }

  async loadTranscript(scope: Scope): Promise<StoredTranscript | null> {
    const row = await this.#database
      .selectFrom('transcripts')
      .innerJoin('sessions', 'sessions.id', 'transcripts.session_id')
      .select([
        'transcripts.runtime',
        'transcripts.cli_session_id',
        'transcripts.content',
        'transcripts.covered_seq',
        'transcripts.metadata',
        'transcripts.updated_at',
      ])
      .where('transcripts.session_id', '=', scope.sessionId)
      .where('sessions.owner_id', '=', scope.ownerId)
      .executeTakeFirst();
    if (!row) return null;
    const parsed = rowSchema.parse(row);
    return {
      runtime: parsed.runtime,
      cliSessionId: parsed.cli_session_id,
      content: parsed.content,
      coveredSeq: parsed.covered_seq,
      metadata: parsed.metadata,
      updatedAt: parsed.updated_at,
    };
  }

  async saveTranscript(options: Scope & { transcript: Omit<StoredTranscript, 'updatedAt'> }): Promise<void> {
    const { transcript } = options;
    await directTransaction(this.#database, async (transaction) => {
      const owned = await transaction
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', options.sessionId)
        .where('owner_id', '=', options.ownerId)
        .executeTakeFirst();
      if (!owned) return;
      const values = {
        runtime: transcript.runtime,
        cli_session_id: transcript.cliSessionId,
        content: transcript.content,
        covered_seq: transcript.coveredSeq,
        metadata: JSON.stringify(transcript.metadata),
        updated_at: new Date().toISOString(),
      };
      await transaction
        .insertInto('transcripts')
        .values({ session_id: options.sessionId, ...values })
        .onConflict((conflict) => conflict.column('session_id').doUpdateSet(values))
        .execute();
    });
  }
}
