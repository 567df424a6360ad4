import type { SessionDetail, UploadedFile } from '../../../src/protocol/index.ts';
import { type ApiError, apiJson } from '../api.ts';
import type { ChatMessage, MessageMetadata, WaitingMessage } from './chat-types.ts';

/** The detail fields this view reads; `waiting` is optional because older servers omit it. */
export type SessionView = SessionDetail & { waiting?: WaitingMessage[] };

export type Connection = 'live' | 'reconnecting';

export interface Notice {
  text: string;
  tone: 'info' | 'error';
}

/**
 * Chips the session does not show yet, for servers that do not list `waiting`: nothing waits once no
 * turn is active, and a chip whose message (by id or, failing that, by text) is now in the history went in.
 */
export function stillWaiting(options: { chips: WaitingMessage[]; detail: SessionView }): WaitingMessage[] {
  const { detail } = options;
  if (!detail.activeTurn) return [];
  const users = detail.messages.filter((message) => message.role === 'user');
  return options.chips.filter(
    (chip) =>
      !users.some(
        (message) =>
          message.id === chip.messageId ||
          message.parts.some((part) => part.type === 'text' && part.text === chip.text),
      ),
  );
}

/**
 * The chips after a read: the session's waiting messages (or, from older servers, the local chips
 * still waiting), and every chip whose send has not been answered yet, which no read can know of.
 */
export function chipsAfterRead(options: {
  local: WaitingMessage[];
  detail: SessionView;
  sending: ReadonlySet<string>;
}): WaitingMessage[] {
  const { local, detail, sending } = options;
  const read = detail.waiting ?? stillWaiting({ chips: local, detail });
  const unanswered = local.filter(
    (chip) => sending.has(chip.messageId) && !read.some((waiting) => waiting.messageId === chip.messageId),
  );
  return unanswered.length === 0 ? read : [...read, ...unanswered];
}

/** Usage seen live stays on a message whose stored copy carries none (older servers). */
export function keepMetadata(hydrated: ChatMessage[], known: Map<string, MessageMetadata>): ChatMessage[] {
  return hydrated.map((message) => {
    const metadata = known.get(message.id);
    return message.metadata?.usage || !metadata
      ? message
      : { ...message, metadata: { ...metadata, ...message.metadata } };
  });
}

/** What goes back into the composer when a message was not sent: its text and its attachments. */
export interface Draft {
  text: string;
  files: UploadedFile[];
}

export function textOf(message: ChatMessage): string {
  return message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

/** A sent message as a draft again: its file parts name uploads that are still there to send. */
export function draftOf(message: ChatMessage): Draft {
  const files = message.parts.flatMap((part) => {
    const id = part.type === 'file' ? /^\/api\/files\/([^/?#]+)$/.exec(part.url)?.[1] : undefined;
    if (part.type !== 'file' || !id) return [];
    return [
      { id: decodeURIComponent(id), name: part.filename ?? 'file', mediaType: part.mediaType, size: 0 },
    ];
  });
  return { text: textOf(message), files };
}

/** Why a message was refused, and for a 429 when to try again. */
export function refusalText(error: ApiError): string {
  if (error.status === 429) {
    const when = error.retryAfterSeconds ? ` Try again in ${formatWait(error.retryAfterSeconds)}.` : '';
    return `${error.message}${when} Your message is back in the composer.`;
  }
  return error.message;
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} min`;
  return new Date(Date.now() + seconds * 1000).toLocaleString();
}

/** Waits `ms` before the next reconnect attempt, or less if the browser comes back online. */
export function waitForRetry(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    window.addEventListener('online', done, { once: true });
    function done() {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      resolve();
    }
  });
}

/** Reads of the session while the page keeps changing, before a refresh gives up (and recovers). */
const maxSessionReads = 5;

/**
 * The session as the server has it, or null once the view is gone. The page changing while the
 * read is on its way (`changes` moved: a stream started or ended, another read was applied) makes
 * the answer older than what the page shows, and applied it would take text away. So the session
 * is read again; a page that never holds still throws.
 */
export async function readFreshSession(options: {
  sessionId: string;
  changes: { current: number };
  mounted: { current: boolean };
}): Promise<SessionView | null> {
  for (let read = 1; read <= maxSessionReads; read++) {
    const seen = options.changes.current;
    const detail = await apiJson<SessionView>(`/api/sessions/${encodeURIComponent(options.sessionId)}`);
    if (!options.mounted.current) return null;
    if (options.changes.current === seen) return detail;
  }
  throw new Error('The conversation kept changing while it was read.');
}
