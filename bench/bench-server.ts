import { callApi, type TestServer } from '../test/support/test-server.ts';
import { type FakeProcess, startFakeProcess } from './fake-process.ts';
import { startServerProcess } from './load/server-process.ts';

/** What the full-path bench needs of a server: its HTTP API, and the fake model behind it. */
export type BenchServer = Pick<TestServer, 'api'> & { fake: FakeProcess };

/**
 * `autopilot serve` in a process of its own (baseline runtime, SQLite in a temporary data dir, logs
 * at `warn`), against the bench's fake Anthropic model in another. The client stays in this
 * process: the client, the server and the model each have their own event loop, as a user's
 * browser, the server and the provider do.
 */
export async function startBenchServer(): Promise<BenchServer & { close(): Promise<void> }> {
  const fake = await startFakeProcess();
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
