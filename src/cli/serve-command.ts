import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { startAutopilot } from '../main.ts';
import { createLogger } from '../util/logger.ts';

export async function serveCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
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
  // Listened for from the start: a stop during start-up (MCP servers can take their connect
  // timeout) is carried out once it is done, with the cleanup a stop gets, not the signal's default.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const server = await startAutopilot({ config, logger });
  process.stdout.write(`Autopilot is listening on ${server.url}\n`);
  await stopped;
  process.stderr.write(
    `Shutting down: running turns get up to ${Math.round(config.limits.shutdownGraceMs / 1000)} s to finish.\n`,
  );
  await server.close();
  return 0;
}
