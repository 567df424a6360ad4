import type { HistoryMessage } from '../agent/agent-runtime.ts';
import { userMessageText } from '../agent/attachment-hint.ts';
import type { UtilityModel } from '../agent/utility-model.ts';
import type { Usage } from '../protocol/index.ts';
import type { Logger } from '../util/logger.ts';

/** The synthetic tool row that shows a compaction in the conversation. */
export const compactionToolName = 'context_compaction';
export const summaryPrefix = '[Summary of the earlier conversation]';
/** The metadata key of a compaction result row that keeps its summary for later turns. */
export const storedSummaryKey = 'contextSummary';

const charsPerToken = 4;

export interface CompactionStats {
  tokensBefore: number;
  tokensAfter: number;
  messagesBefore: number;
  messagesAfter: number;
}

export interface CompactedHistory {
  history: HistoryMessage[];
  stats: CompactionStats;
  /** How it was made: a model summary, or plain truncation when the summary failed. */
  method: 'summary' | 'truncation' | 'dropped';
  /** What the summary call used (null when none was made): charged to the turn. */
  usage: Usage | null;
  /** A model-written summary and the first seq it does not cover, kept so later turns start from it. */
  stored: StoredSummary | null;
}

export interface StoredSummary {
  text: string;
  /** The seq of the first row kept verbatim: every row before it is in the summary. */
  coversBefore: number;
}

/** Rows a model should see: compaction rows and markers are for people only. */
export function modelRelevant<Row extends HistoryMessage>(history: Row[]): Row[] {
  const compactionCalls = new Set(
    history.flatMap((row) => (row.toolCall?.name === compactionToolName ? [row.toolCall.id] : [])),
  );
  return history.filter(
    (row) =>
      row.role !== 'marker' &&
      row.toolCall?.name !== compactionToolName &&
      !(row.role === 'tool' && row.toolCallId && compactionCalls.has(row.toolCallId)),
  );
}

export function estimateTokens(history: HistoryMessage[]): number {
  let chars = 0;
  for (const row of history)
    chars += row.content.length + (row.toolCall ? JSON.stringify(row.toolCall.input).length : 0);
  return Math.ceil(chars / charsPerToken);
}

/**
 * The history of a runtime without a transcript: the newest stored summary in place of the rows
 * it covers, so a long conversation is summarised once, not again on every turn.
 */
export function withStoredSummary(history: HistoryMessage[]): HistoryMessage[] {
  const relevant = modelRelevant(history);
  const stored = newestStoredSummary(history);
  if (!stored) return relevant;
  return [
    syntheticUserRow(`${summaryPrefix}\n${stored.text}`),
    ...relevant.filter((row) => row.seq >= stored.coversBefore),
  ];
}

function newestStoredSummary(history: HistoryMessage[]): StoredSummary | null {
  for (let index = history.length - 1; index >= 0; index--) {
    const row = history[index]!;
    // Only the engine writes this key, on a compaction's result row.
    if (row.role !== 'tool') continue;
    const stored = row.metadata[storedSummaryKey] as Partial<StoredSummary> | undefined;
    if (typeof stored?.text === 'string' && Number.isSafeInteger(stored.coversBefore))
      return { text: stored.text, coversBefore: stored.coversBefore! };
  }
  return null;
}

/**
 * Whether the history has anything before its last exchange to summarise: a stored summary
 * alone there is already as short as a summary gets.
 */
export function canSummarise(history: HistoryMessage[]): boolean {
  const relevant = modelRelevant(history);
  return relevant.slice(0, lastExchangeStart(relevant)).some((row) => row.metadata.synthetic !== true);
}

/**
 * Attempt 2 of the ladder: everything but the last exchange becomes one model-written summary;
 * the last exchange is kept verbatim. If the summary call fails or times out, the earlier part
 * is truncated to the budget instead.
 */
export async function summariseHistory(options: {
  history: HistoryMessage[];
  model: UtilityModel | null;
  budgetTokens: number;
  timeoutMs: number;
  signal: AbortSignal;
  logger: Logger;
}): Promise<CompactedHistory> {
  const history = modelRelevant(options.history);
  const tailStart = lastExchangeStart(history);
  const prefix = history.slice(0, tailStart);
  const tail = history.slice(tailStart);
  const transcript = prefix.map(describe).join('\n');
  let summary: string | null = null;
  let method: CompactedHistory['method'] = 'summary';
  let usage: Usage | null = null;
  let whole = false;
  if (options.model && prefix.length > 0) {
    try {
      const result = await options.model.summarise({
        transcript: clipMiddle(transcript, options.budgetTokens * charsPerToken),
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      usage = result.usage;
      summary = result.text.trim() || null;
      whole = result.truncated !== true;
    } catch (error) {
      options.logger.warn({ err: error }, 'summarising the conversation failed; truncating instead');
    }
  }
  if (summary === null) {
    method = 'truncation';
    summary = clipMiddle(transcript, Math.floor((options.budgetTokens * charsPerToken) / 4));
  }
  const compacted = prefix.length > 0 ? [syntheticUserRow(`${summaryPrefix}\n${summary}`), ...tail] : tail;
  // Only a whole model summary is kept: a cut one, or the truncation, serves this turn alone.
  const stored =
    method === 'summary' && whole && prefix.length > 0 ? { text: summary, coversBefore: tail[0]!.seq } : null;
  return { history: compacted, stats: statsOf(history, compacted), method, usage, stored };
}

/**
 * Attempt 3 of the ladder: no transcript; the newest whole exchanges that fit the budget,
 * oldest dropped first.
 */
export function compressHistory(options: {
  history: HistoryMessage[];
  budgetTokens: number;
}): CompactedHistory {
  const history = modelRelevant(options.history);
  let start = history.length;
  let tokens = 0;
  for (let index = history.length - 1; index >= 0; index--) {
    tokens += estimateTokens([history[index]!]);
    if (tokens > options.budgetTokens) break;
    if (history[index]!.role === 'user') start = index;
  }
  const kept = history.slice(start);
  return {
    history: kept,
    stats: statsOf(history, kept),
    method: kept.length < history.length ? 'dropped' : 'truncation',
    usage: null,
    stored: null,
  };
}

function lastExchangeStart(history: HistoryMessage[]): number {
  for (let index = history.length - 1; index >= 0; index--) {
    if (history[index]!.role === 'user') return index;
  }
  return 0;
}

function describe(row: HistoryMessage): string {
  if (row.role === 'user') return `User: ${userMessageText(row)}`;
  if (row.toolCall) return `Agent called ${row.toolCall.name} with ${JSON.stringify(row.toolCall.input)}`;
  if (row.role === 'tool') return `Tool result: ${row.content}`;
  return `Agent: ${row.content}`;
}

function clipMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)}\n[… ${text.length - maxChars} characters omitted …]\n${text.slice(-half)}`;
}

function syntheticUserRow(content: string): HistoryMessage {
  return {
    seq: 0,
    role: 'user',
    turnId: null,
    step: null,
    content,
    toolCall: null,
    toolCallId: null,
    metadata: { synthetic: true },
  };
}

function statsOf(before: HistoryMessage[], after: HistoryMessage[]): CompactionStats {
  return {
    tokensBefore: estimateTokens(before),
    tokensAfter: estimateTokens(after),
    messagesBefore: before.length,
    messagesAfter: after.length,
  };
}
