import { describe, expect, test } from 'vitest';
import type { HistoryMessage } from '../agent/agent-runtime.ts';
import type { UtilityModel } from '../agent/utility-model.ts';
import { emptyUsage } from '../protocol/index.ts';
import { createLogger } from '../util/logger.ts';
import {
  canSummarise,
  compactionToolName,
  storedSummaryKey,
  summariseHistory,
  summaryPrefix,
  withStoredSummary,
} from './compact-history.ts';

const logger = createLogger({ level: 'silent' });

function row(
  seq: number,
  role: HistoryMessage['role'],
  content: string,
  extra: Partial<HistoryMessage> = {},
) {
  return {
    seq,
    role,
    turnId: `t${seq}`,
    step: 0,
    content,
    toolCall: null,
    toolCallId: null,
    metadata: {},
    ...extra,
  } satisfies HistoryMessage;
}

/** A compaction row pair as the engine stores it, with `metadata` on its result. */
function compactionRows(seq: number, metadata: Record<string, unknown>): HistoryMessage[] {
  const id = `compaction-${seq}`;
  return [
    row(seq, 'assistant', '', { toolCall: { id, name: compactionToolName, input: {} } }),
    row(seq + 1, 'tool', '{"summary":"Earlier messages were summarized"}', { toolCallId: id, metadata }),
  ];
}

const summaryModel = (text: string | Error): UtilityModel => ({
  title: () => Promise.reject(new Error('not used')),
  summarise: () =>
    text instanceof Error ? Promise.reject(text) : Promise.resolve({ text, usage: emptyUsage, model: 'm' }),
});

const summarise = (history: HistoryMessage[], model: UtilityModel) =>
  summariseHistory({
    history,
    model,
    budgetTokens: 1_000,
    timeoutMs: 1_000,
    signal: new AbortController().signal,
    logger,
  });

const talk = [
  row(1, 'user', 'first'),
  row(2, 'assistant', 'one'),
  row(3, 'user', 'second'),
  row(4, 'assistant', 'two'),
];

describe('stored summaries', () => {
  test('a summary made by a model is kept with the seq of the first row it leaves verbatim', async () => {
    const compacted = await summarise(talk, summaryModel('They said first.'));
    expect(compacted.method).toBe('summary');
    expect(compacted.stored).toEqual({ text: 'They said first.', coversBefore: 3 });
  });

  test('a summary cut off at its output limit serves its turn but is not kept', async () => {
    const cut: UtilityModel = {
      ...summaryModel('They said fir'),
      summarise: () =>
        Promise.resolve({ text: 'They said fir', usage: emptyUsage, model: 'm', truncated: true }),
    };
    const compacted = await summarise(talk, cut);
    expect(compacted.history[0]?.content).toBe(`${summaryPrefix}\nThey said fir`);
    expect(compacted.stored).toBeNull();
  });

  test('a stored summary alone before the last exchange is nothing more to summarise', () => {
    const summarised = [
      ...talk,
      ...compactionRows(5, { [storedSummaryKey]: { text: 'old', coversBefore: 3 } }),
    ];
    // [summary, second, two]: only the summary comes before the last exchange.
    expect(canSummarise(withStoredSummary(summarised))).toBe(false);
    expect(canSummarise(withStoredSummary([...summarised, row(7, 'user', 'third')]))).toBe(true);
  });

  test('a truncation, or a history with nothing before its last exchange, keeps nothing', async () => {
    expect((await summarise(talk, summaryModel(new Error('down')))).stored).toBeNull();
    expect((await summarise(talk.slice(2), summaryModel('x'))).stored).toBeNull();
    expect(canSummarise(talk)).toBe(true);
    expect(canSummarise(talk.slice(2))).toBe(false);
  });

  test('the newest stored summary stands in for the rows it covers', () => {
    const history = [
      ...talk,
      ...compactionRows(5, { [storedSummaryKey]: { text: 'old', coversBefore: 3 } }),
      row(7, 'assistant', 'three'),
      row(8, 'user', 'fourth'),
      ...compactionRows(9, { [storedSummaryKey]: { text: 'new', coversBefore: 8 } }),
      row(11, 'assistant', 'four'),
    ];
    expect(withStoredSummary(history).map((message) => [message.seq, message.content])).toEqual([
      [0, `${summaryPrefix}\nnew`],
      [8, 'fourth'],
      [11, 'four'],
    ]);
  });

  test('without a well-formed stored summary the history is only stripped of engine rows', () => {
    const history = [
      ...talk,
      ...compactionRows(5, { [storedSummaryKey]: { text: 'bad', coversBefore: '3' } }),
      row(7, 'tool', 'out', { toolCallId: 'call-1', metadata: { [storedSummaryKey]: 'not an object' } }),
    ];
    expect(withStoredSummary(history).map((message) => message.seq)).toEqual([1, 2, 3, 4, 7]);
  });
});
