import { useChat } from '@ai-sdk/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Usage } from '../../../src/protocol/index.ts';
import { ApiError } from '../api.ts';
import { notifyTurnEnded } from '../notify.ts';
import type { ChatMessage, MessageMetadata, WaitingMessage } from './chat-types.ts';
import {
  type Connection,
  chipsAfterRead,
  type Draft,
  draftOf,
  keepMetadata,
  type Notice,
  readFreshSession,
  refusalText,
  type SessionView,
  waitForRetry,
} from './session-sync.ts';
import { createTransport } from './transport.ts';
import { TurnResumer } from './turn-resumer.ts';
import { useStreamWatch } from './use-stream-watch.ts';
import { useToldErrors } from './use-told-errors.ts';
import { useTurnControls } from './use-turn-controls.ts';

const maxBackoffMs = 30_000;

export type { Connection, Notice, SessionView } from './session-sync.ts';

/**
 * One session's chat: useChat over our transport, plus what makes it survive real networks —
 * hydrate then resume once, reconnect with backoff after a drop, the stall watchdog, a resync when a
 * hidden tab comes back or another client starts a turn, and a Stop that stops the server's turn.
 */
export function useSessionChat(options: {
  sessionId: string;
  initial: SessionView;
  /** The session's status as the live sessions list last reported it. */
  liveStatus: string | undefined;
  title: string;
  onComposerRestore: (draft: Draft) => void;
  onTurnSettled: () => void;
  /** The session reads back as not found: deleted by another client. */
  onGone: () => void;
}) {
  const { sessionId } = options;
  const lastActivity = useRef(Date.now());
  const turnStartedAt = useRef<number | null>(null);
  const stopping = useRef(false);
  const recovering = useRef(false);
  const mounted = useRef(true);
  const callbacks = useRef(options);
  callbacks.current = options;

  const [waiting, setWaiting] = useState<WaitingMessage[]>(options.initial.waiting ?? []);
  const [totals, setTotals] = useState<Usage>(options.initial.usage);
  const [connection, setConnection] = useState<Connection>('live');
  const [notice, setNotice] = useState<Notice | null>(null);
  const [statusLine, setStatusLine] = useState<{ text: string; partCount: number } | null>(null);
  /**
   * Changes to what the page shows that a read of the session cannot know of: a stream started or
   * ended (a resume counts from its call), another read applied. A read begun before one is stale.
   */
  const pageChanges = useRef(0);
  /** Queued or steered messages whose send has not been answered: their chips outlive any read. */
  const sending = useRef(new Set<string>());
  /** Sends refused and given back to the composer: a read that still sees their bubble (the page
   * redraws at most every 40 ms) must not give them back again. */
  const refused = useRef(new Set<string>());

  const transport = useMemo(
    () =>
      createTransport({
        sessionId,
        onActivity: () => (lastActivity.current = Date.now()),
        onStreamChange: () => (pageChanges.current += 1),
      }),
    [sessionId],
  );
  const chat = useChat<ChatMessage>({
    id: sessionId,
    messages: options.initial.messages as unknown as ChatMessage[],
    transport,
    generateId: () => crypto.randomUUID(),
    experimental_throttle: 40,
    onData: (part) => {
      if (part.type === 'data-status') {
        const last = chatRef.current.messages.at(-1);
        setStatusLine({
          text: part.data.message,
          partCount: last?.role === 'assistant' ? last.parts.length : 0,
        });
      }
    },
    onError: (error) => handlers.current.onError(error),
    onFinish: (event) => handlers.current.onFinish(event),
  });
  const chatRef = useRef(chat);
  chatRef.current = chat;
  // Usage seen live, by message id: a re-read from an older server (no stored metadata) keeps it.
  const knownMetadata = useRef(new Map<string, MessageMetadata>());
  for (const message of chat.messages)
    if (message.metadata?.usage) knownMetadata.current.set(message.id, message.metadata);
  const running = chat.status === 'submitted' || chat.status === 'streaming';
  useEffect(() => {
    if (running && turnStartedAt.current === null) turnStartedAt.current = Date.now();
    if (!running) setStatusLine(null);
    // A resume while recovering: connected once its stream has begun, not merely once asked for.
    if (running && recovering.current) setConnection('live');
  }, [running]);

  const recoverRef = useRef(async (): Promise<void> => {});

  const { error, tell: tellError } = useToldErrors(chat);

  const readSession = useCallback(
    () => readFreshSession({ sessionId, changes: pageChanges, mounted }),
    [sessionId],
  );

  /** The server's view of the session replaces the page's; a read begun before this is stale. */
  const applySession = useCallback((detail: SessionView): void => {
    pageChanges.current += 1;
    chatRef.current.setMessages(
      keepMetadata(detail.messages as unknown as ChatMessage[], knownMetadata.current),
    );
    setTotals(detail.usage);
  }, []);

  const resumer = useMemo(
    () => new TurnResumer({ chat: chatRef, onResume: () => (pageChanges.current += 1) }),
    [],
  );

  /**
   * A resumed stream can end without the turn's finish (cut again, or ended by the request it
   * replaced): the page then shows what the server stored, or follows the turn if it still runs.
   */
  const settleAfterResume = useCallback(
    async (ticket: number): Promise<void> => {
      const current = chatRef.current;
      if (!mounted.current || current.status !== 'ready') return;
      const detail = await readSession();
      // A later resume, or a send, took over meanwhile.
      if (!detail || chatRef.current.status !== 'ready' || !resumer.isLatest(ticket)) return;
      if (detail.activeTurn) {
        setTimeout(() => resumer.isLatest(ticket) && void recoverRef.current(), 500);
        return;
      }
      applySession(detail);
    },
    [readSession, applySession, resumer],
  );

  /**
   * Re-reads the session: the database's view replaces ours, and a running turn is resumed (this
   * resolves once that stream ends). `onReadBack` is told once the page is connected again: when
   * the session has read back with no turn to follow, or once the resume has ended.
   */
  const refresh = useCallback(
    async (options: { onReadBack?: () => void } = {}): Promise<void> => {
      // A timer set before the page left the session (or the session was deleted) reads nothing.
      if (!mounted.current) return;
      const detail = await readSession();
      if (!detail) return;
      if (!detail.activeTurn) options.onReadBack?.();
      const current = chatRef.current;
      if (current.status === 'submitted' || current.status === 'streaming') {
        setTotals(detail.usage);
        return;
      }
      // A message the server never received must not vanish: it goes back to the composer.
      const lastLocal = current.messages.findLast((message) => message.role === 'user');
      if (
        lastLocal &&
        !refused.current.has(lastLocal.id) &&
        !detail.messages.some((message) => message.id === lastLocal.id) &&
        current.messages.at(-1)?.id === lastLocal.id
      ) {
        callbacks.current.onComposerRestore(draftOf(lastLocal));
        setNotice({ text: 'Your last message was not sent. It is back in the composer.', tone: 'error' });
      }
      applySession(detail);
      // The session read back: a send's failure (offline, say) is told by the notice, if at all.
      if (current.status === 'error') current.clearError();
      setWaiting((local) => chipsAfterRead({ local, detail, sending: sending.current }));
      // Messages wait for a turn that has not started yet: look again shortly rather than miss it.
      if (!detail.activeTurn && (detail.waiting?.length ?? 0) > 0) {
        setTimeout(() => void refreshRef.current().catch(() => recoverRef.current()), 500);
      }
      if (detail.activeTurn) {
        turnStartedAt.current ??= Date.parse(detail.activeTurn.startedAt) || Date.now();
        lastActivity.current = Date.now();
        const ticket = await resumer.resume();
        options.onReadBack?.();
        if (ticket !== null) await settleAfterResume(ticket);
      }
    },
    [readSession, applySession, resumer, settleAfterResume],
  );

  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  /** After a drop: retry with backoff (1 s doubling to 30 s) until the session reads back. */
  const recover = useCallback(async (): Promise<void> => {
    if (recovering.current || stopping.current) return;
    recovering.current = true;
    setConnection('reconnecting');
    let delay = 1000;
    try {
      while (mounted.current) {
        try {
          // Connected again before a resumed turn's stream has ended (see `refresh`).
          await refresh({ onReadBack: () => mounted.current && setConnection('live') });
          return;
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return callbacks.current.onGone();
          if (mounted.current) setConnection('reconnecting');
          await waitForRetry(delay);
          delay = Math.min(delay * 2, maxBackoffMs);
        }
      }
    } finally {
      recovering.current = false;
      if (mounted.current) setConnection('live');
    }
  }, [refresh]);
  recoverRef.current = recover;

  const handlers = useRef({
    onError: (_error: Error) => {},
    onFinish: (_event: {
      message: ChatMessage;
      isAbort: boolean;
      isDisconnect: boolean;
      isError: boolean;
    }) => {},
  });
  handlers.current = {
    onError: (error) => {
      // A resume's failure is thrown by the resume, and its caller recovers.
      if (resumer.claim(error) || !(error instanceof ApiError)) return;
      // A "Try again" of a message others have answered past: this view is behind, and the
      // conversation as stored is what to show, the message included.
      if (error.code === 'message_not_last') {
        setNotice({ text: error.message, tone: 'error' });
        void refreshRef.current().catch(() => recoverRef.current());
        return;
      }
      // Refused before a turn started (quota, a full queue): the text goes back, the bubble goes.
      // Read from the chat's own state: the last render's copy can be 40 ms old, without the bubble.
      chatRef.current.setMessages((messages) => {
        const last = messages.at(-1);
        if (last?.role !== 'user') return messages;
        refused.current.add(last.id);
        callbacks.current.onComposerRestore(draftOf(last));
        return messages.slice(0, -1);
      });
      setNotice({ text: refusalText(error), tone: 'error' });
      tellError(error);
    },
    onFinish: ({ message, isAbort, isDisconnect }) => {
      if (message.metadata?.usage) knownMetadata.current.set(message.id, message.metadata);
      if (isAbort) return;
      if (isDisconnect) {
        void recover();
        return;
      }
      const startedAt = turnStartedAt.current;
      turnStartedAt.current = null;
      if (startedAt !== null) notifyTurnEnded({ title: callbacks.current.title, startedAt });
      callbacks.current.onTurnSettled();
      // The server may already run the next turn (a queued message): pick it up.
      setTimeout(() => void refresh().catch(() => recover()), 150);
    },
  };

  // Resume once per mount, after hydration (a replay from event 1 replaces the partial message).
  useEffect(() => {
    mounted.current = true;
    // The turn may have ended since the page loaded: then the resume finds nothing, and the page
    // shows what the server stored.
    if (options.initial.activeTurn)
      void resumer
        .resume()
        .then((ticket) => (ticket === null ? undefined : settleAfterResume(ticket)))
        .catch(() => recoverRef.current());
    return () => {
      mounted.current = false;
    };
  }, [options.initial.activeTurn, resumer, settleAfterResume]);

  // Another tab or client started a turn here: follow it.
  useEffect(() => {
    if (options.liveStatus === 'running' && !running && !recovering.current && !stopping.current) {
      void refresh().catch(() => recover());
    }
  }, [options.liveStatus, running, refresh, recover]);

  useStreamWatch({ chatRef, running, lastActivity, refresh, recover });

  const restoreComposer = useRef(options.onComposerRestore);
  restoreComposer.current = options.onComposerRestore;
  const { stop, deliver, chips } = useTurnControls({
    sessionId,
    chatRef,
    messages: chat.messages,
    waiting,
    setWaiting,
    stopping,
    onComposerRestore: restoreComposer,
    setNotice,
    refresh,
    recover,
    sending: sending.current,
    // A read begun before a send was answered does not list its message: it is read again.
    onSendAnswered: () => (pageChanges.current += 1),
  });

  const lastMessage = chat.messages.at(-1);
  const status =
    running &&
    statusLine &&
    lastMessage?.role === 'assistant' &&
    lastMessage.parts.length <= statusLine.partCount
      ? statusLine.text
      : null;

  return {
    chat,
    error,
    running,
    waiting: chips,
    totals,
    connection,
    notice,
    setNotice,
    status,
    stop,
    deliver,
    refresh,
  };
}
