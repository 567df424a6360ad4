import type { ColdTurnMemory, LiveMemory } from './claude-memory.ts';
import type { ClaudeTimingSamples } from './claude-timing.ts';
import { toMarkdownTable } from './markdown-table.ts';
import { percentile, sum } from './stats.ts';

/** The target: the warm path's per-turn overhead is at most half the cold path's. */
export const targetWarmToColdRatio = 0.5;

const p50 = (values: number[]) => percentile({ values, fraction: 0.5 });
const p90 = (values: number[]) => percentile({ values, fraction: 0.9 });
const milliseconds = (value: number) => value.toFixed(1);
const mebibytes = (value: number) => `${value.toFixed(0)} MB`;

export function formatClaudeReport(options: {
  timing: ClaudeTimingSamples;
  warmMemory: LiveMemory[];
  cold: ColdTurnMemory[];
}): string {
  return [
    formatTiming(options.timing),
    formatVerdict(options.timing),
    'Memory of the Claude Code processes (descendants of this process named `claude`, from /proc):',
    formatLiveMemory(options.warmMemory),
    formatColdMemory(options.cold),
  ].join('\n\n');
}

function formatTiming(timing: ClaudeTimingSamples): string {
  const modelRequest = (samples: ClaudeTimingSamples['cold']) =>
    samples.map((sample) => sample.modelRequestMs);
  const turn = (samples: ClaudeTimingSamples['cold']) => samples.map((sample) => sample.turnMs);
  const row = (name: string, samples: ClaudeTimingSamples['cold']) => [
    name,
    String(samples.length),
    `${milliseconds(p50(modelRequest(samples)))} / ${milliseconds(p90(modelRequest(samples)))}`,
    `${milliseconds(p50(turn(samples)))} / ${milliseconds(p90(turn(samples)))}`,
  ];
  const ratio = (
    read: (samples: ClaudeTimingSamples['cold']) => number[],
    at: (values: number[]) => number,
  ) => (at(read(timing.warm)) / at(read(timing.cold))).toFixed(3);
  return toMarkdownTable({
    header: ['path', 'turns', 'POST → model request p50 / p90', 'whole turn p50 / p90'],
    rows: [
      row('cold (new CLI process per turn, resumed)', timing.cold),
      row('warm (live CLI process reused)', timing.warm),
      [
        'warm / cold',
        '',
        `${ratio(modelRequest, p50)} / ${ratio(modelRequest, p90)}`,
        `${ratio(turn, p50)} / ${ratio(turn, p90)}`,
      ],
    ],
  });
}

function formatVerdict(timing: ClaudeTimingSamples): string {
  const cold = p50(timing.cold.map((sample) => sample.modelRequestMs));
  const warm = p50(timing.warm.map((sample) => sample.modelRequestMs));
  const ratio = warm / cold;
  const verdict = ratio <= targetWarmToColdRatio ? 'met' : 'MISSED';
  return (
    `- Warm per-turn overhead (POST → model request, p50) ${milliseconds(warm)} ms against cold ` +
    `${milliseconds(cold)} ms: warm / cold ${ratio.toFixed(3)}, target ≤ ${targetWarmToColdRatio}: ${verdict}`
  );
}

function formatLiveMemory(results: LiveMemory[]): string {
  const rows = results.map((result) => {
    const rss = sum(result.processes.map((memory) => memory.rssMb));
    const pss = sum(result.processes.map((memory) => memory.pssMb ?? 0));
    return [
      `warm, ${result.sessions} live session${result.sessions === 1 ? '' : 's'} after ${result.turnsEach} turn${result.turnsEach === 1 ? '' : 's'} each`,
      String(result.processes.length),
      mebibytes(rss),
      mebibytes(rss / result.sessions),
      mebibytes(pss / result.sessions),
    ];
  });
  return toMarkdownTable({
    header: ['warm path', 'CLI processes', 'RSS, all', 'RSS per live session', 'PSS per live session'],
    rows,
  });
}

function formatColdMemory(results: ColdTurnMemory[]): string {
  const sampled = results.map((result) => result.sampledPeakRssMb);
  const kernelPeak = results.map((result) => result.peakRssMb);
  return toMarkdownTable({
    header: [
      'cold path',
      'turns',
      'peak RSS during a turn (sampled every 10 ms), p50 / max',
      'peak RSS (VmHWM), p50 / max',
      'samples per turn, p50',
      'CLI processes after each turn',
    ],
    rows: [
      [
        'one CLI process per turn, ended with the turn',
        String(results.length),
        `${mebibytes(p50(sampled))} / ${mebibytes(Math.max(...sampled))}`,
        `${mebibytes(p50(kernelPeak))} / ${mebibytes(Math.max(...kernelPeak))}`,
        String(p50(results.map((result) => result.samples))),
        [...new Set(results.map((result) => result.processesAfter))].join(', '),
      ],
    ],
  });
}
