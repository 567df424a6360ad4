import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/config.ts';
import type { SessionList } from '../protocol/index.ts';
import { ApiClient } from './api-client.ts';
import { oneLine } from './terminal-text.ts';

export async function sessionsCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
  const client = new ApiClient(loadClientConfig(env, { url: values.url }));
  const list = await client.json<SessionList>({ method: 'GET', path: '/api/sessions?limit=50' });
  for (const session of list.sessions) {
    // Titles are written by the model from user text: printed as data, never as terminal controls.
    const title = session.title === null ? '(untitled)' : oneLine(session.title);
    process.stdout.write(`${session.id}  ${session.status.padEnd(7)}  ${session.updatedAt}  ${title}\n`);
  }
  return 0;
}
