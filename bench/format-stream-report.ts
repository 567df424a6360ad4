import { toMarkdownTable } from './markdown-table.ts';
import type { HttpSamples } from './measure-http-stream.ts';
import type { RegistrySamples } from './registry-replay.ts';
import { percentile } from './stats.ts';

/** The target for a full replay. */
export const targetReplayEventsPerSecond = 50_000;
/**
 * "Must not grow with the turn's length", made checkable: resuming the longest turn may take at
 * most this many times as long as resuming the shortest (p50), which leaves room for noise.
 */
export const maxResumeGrowth = 2;

const p50 = (values: number[]) => percentile({ values, fraction: 0.5 });
const p90 = (values: number[]) => percentile({ values, fraction: 0.9 });
const microseconds = (ms: number) => `${(ms * 1000).toFixed(ms < 0.1 ? 1 : 0)} µs`;
const milliseconds = (ms: number) => `${ms.toFixed(2)} ms`;
const count = (value: number) => value.toLocaleString('en-US');
const rate = (events: number, ms: number) => `${count(Math.round(events / (ms / 1000)))}/s`;

interface Source {
  where: string;
  samples: Map<number, number[]>;
}

export function formatStreamReport(options: {
  registry: RegistrySamples;
  http: HttpSamples;
  tail: number;
}): string {
  const resumes: Source[] = [
    { where: 'registry', samples: options.registry.resume },
    { where: 'HTTP', samples: options.http.resume },
  ];
  const replays: Source[] = [
    { where: 'registry', samples: options.registry.replay },
    { where: 'HTTP', samples: options.http.replay },
  ];
  return [
    `Resume: subscribe after event N − ${options.tail} of an open turn of N events and receive its last ${options.tail}:`,
    formatResume(resumes),
    'Full replay: subscribe from the start of an open turn of N events and receive all of them:',
    formatReplay(replays),
    [
      ...resumes.map(resumeVerdict),
      ...replays.flatMap(replayVerdicts),
      ...replays.flatMap(replayScaling),
    ].join('\n'),
  ].join('\n\n');
}

function formatResume(sources: Source[]): string {
  const rows = sources.flatMap(({ where, samples }) => {
    const shortest = p50(samples.get(Math.min(...samples.keys()))!);
    return [...samples].map(([events, times]) => [
      where,
      count(events),
      String(times.length),
      `${microseconds(p50(times))} / ${microseconds(p90(times))}`,
      `${(p50(times) / shortest).toFixed(2)}×`,
    ]);
  });
  return toMarkdownTable({
    header: [
      'path',
      'N (events in the turn)',
      'samples',
      'resume p50 / p90',
      'p50 against the shortest turn',
    ],
    rows,
  });
}

function formatReplay(sources: Source[]): string {
  const rows = sources.flatMap(({ where, samples }) =>
    [...samples].map(([events, times]) => [
      where,
      count(events),
      String(times.length),
      `${milliseconds(p50(times))} / ${milliseconds(Math.max(...times))}`,
      rate(events, p50(times)),
      rate(events, Math.max(...times)),
    ]),
  );
  return toMarkdownTable({
    header: ['path', 'N (events)', 'samples', 'replay p50 / slowest', 'events/s at p50', 'events/s, slowest'],
    rows,
  });
}

function resumeVerdict({ where, samples }: Source): string {
  const shortest = Math.min(...samples.keys());
  const longest = Math.max(...samples.keys());
  const growth = p50(samples.get(longest)!) / p50(samples.get(shortest)!);
  const verdict = growth <= maxResumeGrowth ? 'met' : 'MISSED';
  return (
    `- ${where}: resuming near the end of ${count(longest)} events takes ${growth.toFixed(2)}× as long as of ` +
    `${count(shortest)} (p50); target: no growth with N (≤ ${maxResumeGrowth}×): ${verdict}`
  );
}

function replayVerdicts({ where, samples }: Source): string[] {
  return [...samples].map(([events, times]) => {
    const perSecond = events / (p50(times) / 1000);
    const verdict = perSecond > targetReplayEventsPerSecond ? 'met' : 'MISSED';
    return `- ${where}: full replay of ${count(events)} events at ${rate(events, p50(times))} (p50); target > ${count(targetReplayEventsPerSecond)}/s: ${verdict}`;
  });
}

/** Whether a full replay stays linear: the cost per event at the longest turn against the shortest. */
function replayScaling({ where, samples }: Source): string[] {
  if (samples.size < 2) return [];
  const shortest = Math.min(...samples.keys());
  const longest = Math.max(...samples.keys());
  const perEvent = (events: number) => (p50(samples.get(events)!) * 1000) / events;
  return [
    `- ${where}: full replay costs ${perEvent(longest).toFixed(2)} µs per event at ${count(longest)} events against ` +
      `${perEvent(shortest).toFixed(2)} µs at ${count(shortest)} (${(perEvent(longest) / perEvent(shortest)).toFixed(1)}×; 1× is linear)`,
  ];
}
