/**
 * Starts Autopilot against the fake Anthropic server, so everything can be tried offline:
 *   npm run dev:fake            then, in another terminal:   npm run autopilot -- chat "write notes.txt hello"
 */
import { loadConfig } from '../src/config/config.ts';
import { startAutopilot } from '../src/main.ts';
import { createLogger } from '../src/util/logger.ts';
import { echoBrain, startFakeAnthropicServer } from '../test/support/fake-model/index.ts';

const fake = await startFakeAnthropicServer({ brain: echoBrain, chunkDelayMs: 20 });
const config = loadConfig({
  ...process.env,
  ANTHROPIC_API_KEY: 'fake-key',
  ANTHROPIC_BASE_URL: fake.url,
  AUTOPILOT_MODEL: process.env.AUTOPILOT_MODEL || 'claude-fake',
});
const logger = createLogger({ level: config.logLevel });
const server = await startAutopilot({ config, logger });
process.stdout.write(
  `Fake model at ${fake.url}\nAutopilot at ${server.url} (runtime ${config.runtime})\n` +
    'Try: npm run autopilot -- chat "write notes.txt hello"   or   npm run autopilot -- chat "hello"\n',
);
const stop = async () => {
  await server.close();
  await fake.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
