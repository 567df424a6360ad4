import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { createSqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';

export async function migrateCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' } } });
  const config = loadConfig(env, { dataDir: values['data-dir'] });
  if (config.store.kind !== 'sqlite') throw new Error('Only the SQLite store is supported so far.');
  const store = await createSqliteSessionStore({ path: config.store.path });
  await store.close();
  process.stdout.write(`Migrated ${config.store.path}\n`);
  return 0;
}
