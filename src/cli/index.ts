import { parseArgs } from 'node:util';
import { ConfigError, loadClientConfig, loadConfig } from '../config/config.ts';
import { startAutopilot } from '../main.ts';
import type { SessionList } from '../protocol/index.ts';
import { createSqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { createLogger } from '../util/logger.ts';
import { ApiClient } from './api-client.ts';
import { runChat } from './chat-command.ts';

const usage = `Usage:
  autopilot serve [--host 127.0.0.1] [--port 8787] [--data-dir ./.autopilot]
  autopilot chat [--session ID] [--url URL] "message"
  autopilot sessions [--url URL]
  autopilot migrate [--data-dir DIR]
`;

/** The `autopilot` command line. Returns the process exit code. */
export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, env);
      case 'chat':
        return await chatCommand(rest, env);
      case 'sessions':
        return await sessionsCommand(rest, env);
      case 'migrate':
        return await migrateCommand(rest, env);
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(usage);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`Unknown command "${command}".\n${usage}`);
        return 1;
    }
  } catch (error) {
    process.stderr.write(
      `${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

async function serveCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new Error(`--port must be a port number, not "${values.port}".`);
  }
  const config = loadConfig(env, { host: values.host, port, dataDir: values['data-dir'] });
  const logger = createLogger({ level: config.logLevel });
  const server = await startAutopilot({ config, logger });
  process.stdout.write(`Autopilot is listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write(
    `Shutting down: running turns get up to ${Math.round(config.limits.shutdownGraceMs / 1000)} s to finish.\n`,
  );
  await server.close();
  return 0;
}

async function chatCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { session: { type: 'string' }, url: { type: 'string' } },
  });
  const message = positionals.join(' ');
  if (message.trim() === '') throw new Error('Give a message: autopilot chat "your message"');
  const client = new ApiClient(loadClientConfig(env, { url: values.url }));
  const result = await runChat({
    client,
    sessionId: values.session,
    message,
    terminal: {
      write: (text) => process.stdout.write(text),
      error: (text) => process.stderr.write(text),
      isTTY: process.stdout.isTTY === true,
    },
  });
  process.stderr.write(`(session ${result.sessionId}; continue with --session ${result.sessionId})\n`);
  return result.ok ? 0 : 2;
}

async function sessionsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
  const client = new ApiClient(loadClientConfig(env, { url: values.url }));
  const list = await client.json<SessionList>({ method: 'GET', path: '/api/sessions?limit=50' });
  for (const session of list.sessions) {
    process.stdout.write(
      `${session.id}  ${session.status.padEnd(7)}  ${session.updatedAt}  ${session.title ?? '(untitled)'}\n`,
    );
  }
  return 0;
}

async function migrateCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' } } });
  const config = loadConfig(env, { dataDir: values['data-dir'] });
  if (config.store.kind !== 'sqlite') throw new Error('Only the SQLite store is supported so far.');
  const store = await createSqliteSessionStore({ path: config.store.path });
  await store.close();
  process.stdout.write(`Migrated ${config.store.path}\n`);
  return 0;
}
