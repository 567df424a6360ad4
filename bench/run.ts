import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../test/support/test-server.ts';
import { createBenchBrain, replyDeltaCount } from './bench-brain.ts';
import { updateBenchmarksFile } from './benchmarks-file.ts';
import { formatBreakdown, formatTable, formatVerdicts } from './format-report.ts';
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

  const table = formatTable(summaries);
  const breakdown = formatBreakdown(summaries);
  const verdicts = formatVerdicts(summaries);
  console.log(`${table}\n\n${breakdown}\n\n${verdicts}`);

  const cpu = cpus();
  const section = [
    '## Full path latency',
    '',
    `Run on ${startedAt.toISOString()} with Node ${process.version} on ${process.platform} ${process.arch}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load average ${loadAtStart.toFixed(2)} at start.`,
    'Command: `npm run bench` (that is, `tsx bench/run.ts`).',
    '',
    table,
    '',
    'Where the added time to the first text delta goes (split where the fake receives the model request):',
    '',
    breakdown,
    '',
    verdicts,
    '',
    `All times in milliseconds from just before the POST. Each turn streams one text reply of ${replyDeltaCount} deltas.`,
    '"Direct" posts the request our server made to the fake, straight to the fake, and reads its SSE with a',
    'minimal parser until the first `text_delta` and until `message_stop`. "Full path" posts',
    '`/api/sessions/:id/messages` (the second message of a prepared session) and parses the reply with',
    "the `ai` client's `parseJsonEventStream` + `uiMessageChunkSchema` + `readUIMessageStream`, until the",
    'first `text-delta` chunk and until the stream ends. "Added" is full path minus direct at the same',
    'percentile; "added per event" is (full-path turn p50 − direct turn p50) / the chunks our client parsed.',
    'The two sides alternate, warm-up turns are discarded, and server logs are silent.',
  ].join('\n');
  await updateBenchmarksFile({ path: join(import.meta.dirname, '..', 'BENCHMARKS.md'), section });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
