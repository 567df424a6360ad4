import type { FakeBrain } from '../test/support/fake-model/index.ts';
import { startFakeAnthropicServer } from '../test/support/fake-model/index.ts';
import { callApi, type TestServer } from '../test/support/test-server.ts';
import { startServerProcess } from './load/server-process.ts';

/** What the full-path bench needs of a server: its HTTP API, and the fake model behind it. */
export type BenchServer = Pick<TestServer, 'api' | 'fake'>;

/**
 * `autopilot serve` in a process of its own (baseline runtime, SQLite in a temporary data dir, logs
 * at `warn`), against a fake Anthropic model in this process. The client and the model run beside
 * the server, not in its event loop, as a user's browser and the provider do.
 */
export async function startBenchServer(options: {
  brain: FakeBrain;
}): Promise<BenchServer & { close(): Promise<void> }> {
  const fake = await startFakeAnthropicServer({ brain: options.brain });
  try {
    const server = await startServerProcess({ modelUrl: fake.url });
    return {
      fake,
      api: (path, init) => callApi({ baseUrl: server.url, path, init }),
      async close() {
        await server.close();
        await fake.close();
      },
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
}
