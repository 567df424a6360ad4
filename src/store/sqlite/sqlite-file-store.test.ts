import { describeFileStoreConformance } from '../conformance/file-store-conformance.ts';
import { openSqliteDatabase } from './open-sqlite-database.ts';
import { SqliteFileStore } from './sqlite-file-store.ts';
import { SqliteSessionStore } from './sqlite-session-store.ts';

describeFileStoreConformance('sqlite in memory', async () => {
  const database = await openSqliteDatabase({ path: ':memory:' });
  return {
    files: new SqliteFileStore(database),
    sessions: new SqliteSessionStore(database),
    cleanup: () => database.destroy(),
  };
});
