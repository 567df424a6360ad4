import { describeTranscriptStoreConformance } from '../conformance/transcript-store-conformance.ts';
import { openSqliteDatabase } from './open-sqlite-database.ts';
import { SqliteSessionStore } from './sqlite-session-store.ts';
import { SqliteTranscriptStore } from './sqlite-transcript-store.ts';

describeTranscriptStoreConformance('sqlite in memory', async () => {
  const database = await openSqliteDatabase({ path: ':memory:' });
  return {
    transcripts: new SqliteTranscriptStore(database),
    sessions: new SqliteSessionStore(database),
    cleanup: () => database.destroy(),
  };
});
