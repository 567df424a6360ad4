import { cpus } from 'node:os';

/** One group's BENCHMARKS.md section: what it is, when and on what it ran, how to repeat it, and the results. */
export function formatBenchmarksSection(options: {
  title: string;
  description: string;
  report: string;
  startedAt: Date;
  /** The one-minute load average when the group started: a busy neighbour shows up here. */
  loadAtStart: number;
  revision: string;
  /** The command as run, e.g. `npm run bench -- claude`. */
  command: string;
  /** The command that runs this group alone, shown when it differs from `command`. */
  groupCommand: string;
}): string {
  const cpu = cpus();
  const alone =
    options.command === options.groupCommand ? '' : ` This group alone: \`${options.groupCommand}\`.`;
  return [
    `## ${options.title}`,
    '',
    `Run on ${options.startedAt.toISOString()} with Node ${process.version} on ${process.platform} ${process.arch}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load average ${options.loadAtStart.toFixed(2)} at start.`,
    `Code: ${options.revision}. Command: \`${options.command}\`.${alone}`,
    '',
    options.description.trim(),
    '',
    options.report.trim(),
  ].join('\n');
}
