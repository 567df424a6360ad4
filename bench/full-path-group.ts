import { replyDeltaCount } from './bench-brain.ts';
import type { BenchGroup } from './bench-group.ts';
import { startBenchServer } from './bench-server.ts';
import { formatReport } from './format-report.ts';
import { type BenchSetting, runSetting } from './run-setting.ts';
import { summariseSetting } from './summarise-setting.ts';

/**
 * Many turns at zero delay, because a p99 needs them and each is cheap; few when paced, because
 * each paced turn takes about a second and the whole group should stay well under two minutes.
 */
const settings: BenchSetting[] = [
  { name: 'zero delay', delayMs: 0, warmUpIterations: 30, iterations: 300 },
  { name: '~50 tokens/s (20 ms between events)', delayMs: 20, warmUpIterations: 3, iterations: 30 },
];

const description = `This group measures the full path of one turn: HTTP, the turn engine, persistence (the embedded
SQLite store on a temporary file), SSE, and a client parsing the stream with the official \`ai\`
client (\`parseJsonEventStream\` + \`uiMessageChunkSchema\` + \`readUIMessageStream\`). The server is
\`autopilot serve\` in a process of its own (baseline runtime, logs at \`warn\`), the fake model runs in
another, and the client in the bench process: each has its own event loop, as a user's browser, the
server and the model provider do. The client sends a \`messageId\` with every message, as the web UI and
the terminal client do. It runs twice against the fake: once streaming with no delay, and once at about
50 tokens/s (20 ms between events). In the same run it posts the same model request straight to the
fake and reads the fake's SSE itself. That direct reading is the floor, and the figures below are what
the full path adds to it.

How the run is set up: every timed turn is the second message of its own session. The session and its
first message, which also sets off the background title request, are made before any timing starts.
Direct and full-path samples alternate, and the one that goes first alternates as well. Warm-up
samples are thrown away, and the bench idles for 1 ms before each sample. The fake notes when the
model request reaches it (on the machine's monotonic clock, which every process reads alike), so the
added time can be split into a part before the model call and a part after it.

Reading the zero-delay row: the fake's whole reply reaches the server in one read, and the model
client joins the deltas of one read, so the first text delta the client sees holds the whole reply
(8 events reach the client for the fake's 45). The zero-delay first-delta figure is close to the
server's cost for the whole turn. The paced row shows the time to first token that users see.`;

const notes = [
  `Times are in milliseconds and start just before the POST. Each turn streams one text reply of ${replyDeltaCount} deltas.`,
  '"Added" is the full path minus direct at the same percentile. "Added per event" is (full-path turn p50 − direct',
  'turn p50) divided by the chunks our client parsed. The after-the-model version counts only the time after the',
  'model request arrived.',
].join('\n');

export const fullPathGroup: BenchGroup = {
  name: 'full-path',
  title: 'Full path latency',
  description,
  async run() {
    const server = await startBenchServer();
    const summaries = [];
    try {
      for (const setting of settings) {
        const settingStartedAt = performance.now();
        summaries.push(summariseSetting(await runSetting({ server, setting })));
        const seconds = ((performance.now() - settingStartedAt) / 1000).toFixed(1);
        console.error(`full-path, ${setting.name}: done in ${seconds} s`);
      }
    } finally {
      await server.close();
    }
    return `${formatReport(summaries)}\n\n${notes}`;
  },
};
