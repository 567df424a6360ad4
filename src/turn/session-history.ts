import type { TurnMetadata, UIMessage } from '../protocol/index.ts';
import type { Scope, SessionStore, StoredMessage } from '../store/session-store.ts';
import { toUIMessages } from './to-ui-messages.ts';

export interface SessionPage {
  messages: UIMessage[];
  hasMore: boolean;
  /** The `before` of the older page: the seq where this page starts; null when nothing is older. */
  nextBefore: number | null;
}

/** A turn's rows (its user messages and its answer) share its id; a row of no turn stands alone. */
const groupOf = (row: StoredMessage) => row.turnId ?? `row:${row.id}`;

/**
 * The newest `limit` rows before `before`, cut at a turn boundary so that no turn is split across
 * pages: the page starts at the first turn that begins inside the window, or, when one turn is
 * longer than the window, at that turn's start.
 */
export async function readSessionPage(options: {
  store: SessionStore;
  scope: Scope;
  limit: number;
  before?: number;
}): Promise<SessionPage> {
  const { store, scope, limit, before } = options;
  for (let window = limit + 1; ; window *= 2) {
    const rows = await store.listMessages({ ...scope, limit: window, beforeSeq: before });
    if (rows.length < window) return buildPage({ store, scope, rows, nextBefore: null });
    const start = pageStart(rows, rows.length - limit);
    if (start !== null)
      return buildPage({ store, scope, rows: rows.slice(start), nextBefore: rows[start]!.seq });
  }
}

/** The index of the first turn start at or after `from`, else of the start of the turn holding `from`. */
function pageStart(rows: StoredMessage[], from: number): number | null {
  const startsTurn = (index: number) => groupOf(rows[index]!) !== groupOf(rows[index - 1]!);
  for (let index = Math.max(from, 1); index < rows.length; index++) if (startsTurn(index)) return index;
  for (let index = Math.min(from, rows.length) - 1; index >= 1; index--) if (startsTurn(index)) return index;
  return null;
}

async function buildPage(options: {
  store: SessionStore;
  scope: Scope;
  rows: StoredMessage[];
  nextBefore: number | null;
}): Promise<SessionPage> {
  const { store, scope, rows } = options;
  const turnIds = [...new Set(rows.flatMap((row) => (row.turnId ? [row.turnId] : [])))];
  const [turns, usage] = await Promise.all([
    store.listTurns({ ...scope, turnIds }),
    store.getTurnUsage({ ...scope, turnIds }),
  ]);
  const metadata = new Map<string, TurnMetadata>(
    turns.map((turn) => [
      turn.id,
      {
        turnId: turn.id,
        status: turn.status,
        startedAt: turn.startedAt,
        durationMs: turn.endedAt ? Date.parse(turn.endedAt) - Date.parse(turn.startedAt) : null,
        // Each model call's usage is stored as it comes; a running turn's is not its figure yet.
        usage: turn.status === 'running' ? null : (usage.get(turn.id) ?? null),
      },
    ]),
  );
  return {
    messages: toUIMessages(rows, { turns: metadata }),
    hasMore: options.nextBefore !== null,
    nextBefore: options.nextBefore,
  };
}

/**
 * The answer a turn stored: its assistant message as `GET /api/sessions/:id` shows it, or null
 * when it stored none. A repeated `messageId` whose stream is no longer kept is answered with it.
 */
export async function readTurnAnswer(options: {
  store: SessionStore;
  scope: Scope;
  turnId: string;
}): Promise<UIMessage | null> {
  const { store, scope, turnId } = options;
  const rows = (await store.listMessages(scope)).filter((row) => row.turnId === turnId);
  const page = await buildPage({ store, scope, rows, nextBefore: null });
  return page.messages.find((message) => message.role === 'assistant' && message.id === turnId) ?? null;
}
