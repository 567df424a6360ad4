import { useChat } from '@ai-sdk/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CancelResult, SessionDetail, Usage } from '../../../src/protocol/index.ts';
import { ApiError, apiFetch, apiJson } from '../api.ts';
import { notifyTurnEnded } from '../notify.ts';
import type { ChatMessage, MessageMetadata, WaitingMessage } from './chat-types.ts';
import { createTransport } from './transport.ts';

/** The stall watchdog: nothing at all (not even a heartbeat) for this long means the stream is dead. */
const stallMs = 60_000;
const maxBackoffMs = 30_000;

export type Connection = 'live' | 'reconnecting';

export interface Notice {
  text: string;
  tone: 'info' | 'error';
}

/** The detail fields this view reads; `waiting` is optional because older servers omit it. */
export type SessionView = SessionDetail & { waiting?: WaitingMessage[] };

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
  onComposerRestore: (text: string) => void;
  onTurnSettled: () => void;
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

  const transport = useMemo(
    () => createTransport({ sessionId, onActivity: () => (lastActivity.current = Date.now()) }),
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
  }, [running]);

  /** Re-reads the session: the database's view replaces ours, and a running turn is resumed. */
  const refresh = useCallback(async (): Promise<void> => {
    const detail = await apiJson<SessionView>(`/api/sessions/${encodeURIComponent(sessionId)}`);
    if (!mounted.current) return;
    const current = chatRef.current;
    if (current.status === 'submitted' || current.status === 'streaming') {
      setTotals(detail.usage);
      return;
    }
    // A message the server never received must not vanish: it goes back to the composer.
    const lastLocal = current.messages.findLast((message) => message.role === 'user');
    if (
      lastLocal &&
      !detail.messages.some((message) => message.id === lastLocal.id) &&
      current.messages.at(-1)?.id === lastLocal.id
    ) {
      callbacks.current.onComposerRestore(textOf(lastLocal));
      setNotice({ text: 'Your last message was not sent. It is back in the composer.', tone: 'error' });
    }
    current.setMessages(keepMetadata(detail.messages as unknown as ChatMessage[], knownMetadata.current));
    setTotals(detail.usage);
    setWaiting((local) => detail.waiting ?? stillWaiting({ chips: local, detail }));
    // Messages wait for a turn that has not started yet: look again shortly rather than miss it.
    if (!detail.activeTurn && (detail.waiting?.length ?? 0) > 0) {
      setTimeout(() => void refreshRef.current().catch(() => {}), 500);
    }
    if (detail.activeTurn) {
      turnStartedAt.current ??= Date.parse(detail.activeTurn.startedAt) || Date.now();
      lastActivity.current = Date.now();
      await current.resumeStream();
    }
  }, [sessionId]);

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
          await refresh();
          return;
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return;
          await waitForRetry(delay);
          delay = Math.min(delay * 2, maxBackoffMs);
        }
      }
    } finally {
      recovering.current = false;
      if (mounted.current) setConnection('live');
    }
  }, [refresh]);

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
      if (!(error instanceof ApiError)) return;
      // Refused before a turn started (quota, a full queue): the text goes back, the bubble goes.
      const current = chatRef.current;
      const last = current.messages.at(-1);
      if (last?.role === 'user') {
        current.setMessages(current.messages.slice(0, -1));
        callbacks.current.onComposerRestore(textOf(last));
      }
      setNotice({ text: refusalText(error), tone: 'error' });
      current.clearError();
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
    if (options.initial.activeTurn) void chatRef.current.resumeStream();
    return () => {
      mounted.current = false;
    };
  }, [options.initial.activeTurn]);

  // Another tab or client started a turn here: follow it.
  useEffect(() => {
    if (options.liveStatus === 'running' && !running && !recovering.current && !stopping.current) {
      void refresh().catch(() => recover());
    }
  }, [options.liveStatus, running, refresh, recover]);

  // The stall watchdog.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (Date.now() - lastActivity.current < stallMs) return;
      lastActivity.current = Date.now();
      void chatRef.current.stop().then(() => recover());
    }, 5000);
    return () => clearInterval(timer);
  }, [running, recover]);

  // A hidden tab's stream may have died quietly: resync when it is shown again.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      const current = chatRef.current;
      const live = current.status === 'submitted' || current.status === 'streaming';
      if (!live) void refresh().catch(() => recover());
      else if (Date.now() - lastActivity.current > 30_000) void current.stop().then(() => recover());
    };
    const onOnline = () => {
      if (chatRef.current.status === 'error') void recover();
    };
    // The network went away: the open stream is as good as dead (a real drop leaves it hanging, not
    // closed), so stop reading and reconnect with backoff; coming back online cuts the wait short.
    const onOffline = () => {
      const current = chatRef.current;
      if (current.status === 'submitted' || current.status === 'streaming')
        void current.stop().then(() => recover());
    };
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
    };
  }, [refresh, recover]);

  /** Stop the server's turn; messages still waiting come back to the composer. */
  const stop = useCallback(async () => {
    stopping.current = true;
    try {
      const result = await apiJson<CancelResult & { unsent?: WaitingMessage[] }>(
        `/api/sessions/${encodeURIComponent(sessionId)}/cancel`,
        { method: 'POST', json: {} },
      );
      const unsent = result.unsent ?? [];
      if (unsent.length > 0)
        callbacks.current.onComposerRestore(unsent.map((message) => message.text).join('\n\n'));
      setWaiting([]);
    } catch (error) {
      setNotice({ text: `Could not stop the turn: ${(error as Error).message}`, tone: 'error' });
    } finally {
      stopping.current = false;
    }
    // The stream normally ends by itself with the Stopped marker; if not soon, stop reading and resync.
    setTimeout(() => {
      const current = chatRef.current;
      if (current.status === 'submitted' || current.status === 'streaming') {
        void current.stop().then(() => refresh().catch(() => recover()));
      }
    }, 4000);
  }, [sessionId, refresh, recover]);

  /** Queue (next turn) or steer (into the running turn) while a turn runs. */
  const deliver = useCallback(
    async (input: { text: string; delivery: 'next-turn' | 'steer'; fileIds: string[] }) => {
      const messageId = crypto.randomUUID();
      setWaiting((chips) => [...chips, { messageId, text: input.text, delivery: input.delivery }]);
      const controller = new AbortController();
      try {
        await apiFetch(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, {
          method: 'POST',
          signal: controller.signal,
          json: {
            text: input.text,
            messageId,
            ...(input.fileIds.length > 0 ? { fileIds: input.fileIds } : {}),
            ...(input.delivery === 'steer' ? { delivery: 'steer' } : {}),
          },
        });
      } catch (error) {
        setWaiting((chips) => chips.filter((chip) => chip.messageId !== messageId));
        callbacks.current.onComposerRestore(input.text);
        setNotice({
          text: error instanceof ApiError ? refusalText(error) : 'The message could not be sent.',
          tone: 'error',
        });
      } finally {
        // Its answer arrives in this view through the running turn and the resume that follows it.
        controller.abort();
      }
    },
    [sessionId],
  );

  // A steered message shows where it went in: its chip gives way to the bubble in the stream.
  const delivered = useMemo(() => {
    const ids = new Set<string>();
    for (const message of chat.messages) {
      ids.add(message.id);
      for (const part of message.parts) {
        if ((part.type === 'data-follow-up' || part.type === 'data-followup') && part.data.messageId)
          ids.add(part.data.messageId);
      }
    }
    return ids;
  }, [chat.messages]);
  const chips = waiting.filter((chip) => !delivered.has(chip.messageId));

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

/**
 * Chips the session does not show yet, for servers that do not list `waiting`: nothing waits once no
 * turn is active, and a chip whose message (by id or, failing that, by text) is now in the history went in.
 */
function stillWaiting(options: { chips: WaitingMessage[]; detail: SessionView }): WaitingMessage[] {
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

/** Usage seen live stays on a message whose stored copy carries none (older servers). */
function keepMetadata(hydrated: ChatMessage[], known: Map<string, MessageMetadata>): ChatMessage[] {
  return hydrated.map((message) => {
    const metadata = known.get(message.id);
    return message.metadata?.usage || !metadata
      ? message
      : { ...message, metadata: { ...metadata, ...message.metadata } };
  });
}

export function textOf(message: ChatMessage): string {
  return message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

function refusalText(error: ApiError): string {
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

function waitForRetry(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    // Coming back online is a better moment than the timer.
    window.addEventListener('online', done, { once: true });
    function done() {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      resolve();
    }
  });
}
