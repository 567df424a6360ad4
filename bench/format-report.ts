import { toMarkdownTable } from './markdown-table.ts';
import type { SettingSummary } from './summarise-setting.ts';

/** The p50 added time to first token the full path must stay within, with persistence on. */
export const targetAddedFirstDeltaMs = 2;

function milliseconds(value: number): string {
  return value.toFixed(2);
}

function microseconds(valueMs: number): string {
  return `${(valueMs * 1000).toFixed(0)} µs`;
}

/** The tables and verdicts, in Markdown, so stdout and BENCHMARKS.md show the same thing. */
export function formatReport(summaries: readonly SettingSummary[]): string {
  return [
    formatTable(summaries),
    'Where the added time to the first text delta goes (split where the fake receives the model request):',
    formatBreakdown(summaries),
    formatVerdicts(summaries),
  ].join('\n\n');
}

function formatTable(summaries: readonly SettingSummary[]): string {
  const header = [
    'setting',
    'turns',
    'first delta, direct p50 / p99',
    'first delta, full path p50 / p99',
    'added p50',
    'added p99',
    'turn, direct p50',
    'turn, full path p50',
    'events',
    'added per event',
  ];
  const rows = summaries.map((summary) => [
    summary.name,
    String(summary.iterations),
    `${milliseconds(summary.directFirstDelta.p50)} / ${milliseconds(summary.directFirstDelta.p99)}`,
    `${milliseconds(summary.fullFirstDelta.p50)} / ${milliseconds(summary.fullFirstDelta.p99)}`,
    milliseconds(summary.addedFirstDelta.p50),
    milliseconds(summary.addedFirstDelta.p99),
    milliseconds(summary.directTotal.p50),
    milliseconds(summary.fullTotal.p50),
    `${eventCount(summary)} (fake: ${summary.directEventCount})`,
    microseconds(summary.addedPerEventMs),
  ]);
  return toMarkdownTable({ header, rows });
}

/**
 * Splits the first-delta time at the moment the fake received the model request, to show whether
 * the added time is spent before the model call (admission, history, request building) or after
 * it (model stream parsing, recording, SSE, the client).
 */
function formatBreakdown(summaries: readonly SettingSummary[]): string {
  const header = [
    'setting',
    'POST → model request, direct / full path p50',
    'added before the model',
    'model request → first delta, direct / full path p50',
    'added after the model',
    'added per event after the model',
  ];
  const rows = summaries.map((summary) => [
    summary.name,
    `${milliseconds(summary.directModelRequest.p50)} / ${milliseconds(summary.fullModelRequest.p50)}`,
    milliseconds(summary.fullModelRequest.p50 - summary.directModelRequest.p50),
    `${milliseconds(summary.directModelToFirstDelta.p50)} / ${milliseconds(summary.fullModelToFirstDelta.p50)}`,
    milliseconds(summary.fullModelToFirstDelta.p50 - summary.directModelToFirstDelta.p50),
    microseconds(summary.addedPerEventAfterModelMs),
  ]);
  return toMarkdownTable({ header, rows });
}

/** One line per setting saying whether the p50 target holds. */
function formatVerdicts(summaries: readonly SettingSummary[]): string {
  return summaries
    .map((summary) => {
      const added = summary.addedFirstDelta.p50;
      const verdict = added <= targetAddedFirstDeltaMs ? 'met' : 'MISSED';
      return `- ${summary.name}: added time to first text delta p50 ${milliseconds(added)} ms, target ≤ ${targetAddedFirstDeltaMs} ms: ${verdict}`;
    })
    .join('\n');
}

function eventCount(summary: SettingSummary): string {
  const { min, max } = summary.fullEventCountRange;
  return min === max ? String(min) : `${summary.fullEventCount} (${min}–${max})`;
}
