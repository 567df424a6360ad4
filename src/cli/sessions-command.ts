import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadClientConfig } from '../config/config.ts';
import { ApiClient, sessionIdSchema } from './api-client.ts';
import { oneLine } from './terminal-text.ts';

/** What the list needs of each session; fields a newer server adds are ignored. */
const listSchema = z.object({
  sessions: z.array(
    z.object({
      id: sessionIdSchema,
      title: z.string().nullable(),
      status: z.string(),
      updatedAt: z.string(),
    }),
  ),
});

export async function sessionsCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
  const client = new ApiClient(loadClientConfig(env, { url: values.url }));
  const list = await client.json({ method: 'GET', path: '/api/sessions?limit=50', schema: listSchema });
  for (const session of list.sessions) {
    // Everything here is the server's (titles the model's, from user text): printed as data, never
    // as terminal controls.
    const title = session.title === null ? '(untitled)' : oneLine(session.title);
    const fields = [session.id, oneLine(session.status).padEnd(7), oneLine(session.updatedAt), title];
    process.stdout.write(`${fields.join('  ')}\n`);
  }
  return 0;
}
