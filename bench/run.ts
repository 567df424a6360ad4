import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../test/support/test-server.ts';
import { createBenchBrain } from './bench-brain.ts';
import { updateBenchmarksFile } from './benchmarks-file.ts';
import { formatBenchmarksSection } from './format-benchmarks-section.ts';
import { formatReport } from './format-report.ts';
import { describeRevision } from './git-revision.ts';
import { ModelArrivals } from './model-arrivals.ts';
import { type BenchSetting, runSetting } from './run-setting.ts';
import { summariseSetting } from './summarise-setting.ts';

/**
 * Many turns at zero delay, because a p99 needs them and each is cheap; few when paced, because
 * each paced turn takes about a second and the whole run should stay under two minutes.
 */
const settings: BenchSetting[] = [
  { name: 'zero delay', delayMs: 0, warmUpIterations: 30, iterations: 300 },
  { name: '~50 tokens/s (20 ms between events)', delayMs: 20, warmUpIterations: 3, iterations: 30 },
];

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  // Persistence stays on: the default config stores to SQLite in the temp data dir.
  const arrivals = new ModelArrivals();
  const server = await startTestServer({ provider: 'anthropic', brain: createBenchBrain({ arrivals }) });
  const summaries = [];
  try {
    for (const setting of settings) {
      const settingStartedAt = performance.now();
      summaries.push(summariseSetting(await runSetting({ server, arrivals, setting })));
      const seconds = ((performance.now() - settingStartedAt) / 1000).toFixed(1);
      console.error(`${setting.name}: done in ${seconds} s`);
    }
  } finally {
    await server.close();
  }

  const report = formatReport(summaries);
  console.log(report);
  const root = join(import.meta.dirname, '..');
  const revision = await describeRevision({ directory: root });
  const section = formatBenchmarksSection({ report, startedAt, loadAtStart, revision });
  await updateBenchmarksFile({ path: join(root, 'BENCHMARKS.md'), section });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
