import { cpus } from 'node:os';
import { replyDeltaCount } from './bench-brain.ts';

/** The BENCHMARKS.md section for one run: when, on what, how to repeat it, and the report. */
export function formatBenchmarksSection(options: {
  report: string;
  startedAt: Date;
  /** The one-minute load average when the run started: a busy neighbour shows up here. */
  loadAtStart: number;
  revision: string;
}): string {
  const cpu = cpus();
  return [
    '## Full path latency',
    '',
    `Run on ${options.startedAt.toISOString()} with Node ${process.version} on ${process.platform} ${process.arch}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load average ${options.loadAtStart.toFixed(2)} at start.`,
    `Code: ${options.revision}. Command: \`npm run bench\` (that is, \`tsx bench/run.ts\`).`,
    '',
    options.report,
    '',
    `Times are in milliseconds and start just before the POST. Each turn streams one text reply of ${replyDeltaCount} deltas.`,
    '"Added" is the full path minus direct at the same percentile. "Added per event" is (full-path turn p50 − direct',
    'turn p50) divided by the chunks our client parsed. The after-the-model version counts only the time after the',
    'model request arrived. Server logs are silent.',
  ].join('\n');
}
