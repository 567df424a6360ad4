import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionList, SessionSummary } from '../../../src/protocol/index.ts';
import { ApiError, apiFetch, apiJson, authHeaders } from '../api.ts';
import { readServerSentEvents } from './server-sent-events.ts';

type SessionEvent =
  | { type: 'session'; session: Pick<SessionSummary, 'id' | 'title' | 'status' | 'updatedAt'> }
  | { type: 'session-deleted'; id: string };

const pollMs = 5000;

/**
 * The caller's sessions, newest first, kept live by `GET /api/events` (titles as they are
 * generated, running marks, other tabs' changes). A server without the events route is polled.
 */
export function useSessions(options: { onUnauthorized: () => void }) {
  const unauthorized = useRef(options.onUnauthorized);
  unauthorized.current = options.onUnauthorized;
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [loaded, setLoaded] = useState(false);
  const mounted = useRef(true);

  const reload = useCallback(async () => {
    const list = await apiJson<SessionList>('/api/sessions?limit=200');
    if (!mounted.current) return;
    setSessions(list.sessions);
    setLoaded(true);
  }, []);

  const upsert = useCallback((session: Partial<SessionSummary> & { id: string }) => {
    setSessions((current) => {
      const existing = current.find((candidate) => candidate.id === session.id);
      const merged: SessionSummary = {
        title: null,
        status: 'idle',
        createdAt: session.updatedAt ?? new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        ...existing,
        ...session,
      };
      return [merged, ...current.filter((candidate) => candidate.id !== session.id)].sort((a, b) =>
        b.updatedAt.localeCompare(a.updatedAt),
      );
    });
  }, []);

  // Deleted while this page runs (here or in another tab): an open conversation must say so.
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(() => new Set());
  const remove = useCallback((id: string) => {
    setSessions((current) => current.filter((session) => session.id !== id));
    setDeleted((current) => (current.has(id) ? current : new Set(current).add(id)));
  }, []);

  useEffect(() => {
    mounted.current = true;
    const controller = new AbortController();
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      void reload().catch(() => {});
      pollTimer = setTimeout(poll, pollMs);
    };
    const listen = async () => {
      let delay = 1000;
      while (!controller.signal.aborted) {
        try {
          await reload();
          const response = await fetch('/api/events', {
            headers: { ...authHeaders(), accept: 'text/event-stream' },
            signal: controller.signal,
          });
          if (response.status === 404) {
            poll();
            return;
          }
          if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
          delay = 1000;
          for await (const data of readServerSentEvents(response.body)) {
            const event = parseEvent(data);
            if (event?.type === 'session') upsert(event.session);
            else if (event?.type === 'session-deleted') remove(event.id);
          }
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status === 401) {
            unauthorized.current();
            return;
          }
        }
        // Dropped (or refused): come back with backoff, and reload what was missed.
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    };
    void listen();
    const onVisible = () => {
      if (document.visibilityState === 'visible') void reload().catch(() => {});
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      mounted.current = false;
      controller.abort();
      clearTimeout(pollTimer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [reload, upsert, remove]);

  const create = useCallback(async (): Promise<SessionSummary> => {
    const session = await apiJson<SessionSummary>('/api/sessions', { method: 'POST', json: {} });
    upsert(session);
    return session;
  }, [upsert]);

  const rename = useCallback(
    async (id: string, title: string) => {
      const session = await apiJson<SessionSummary>(`/api/sessions/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        json: { title },
      });
      upsert(session);
    },
    [upsert],
  );

  const destroy = useCallback(
    async (id: string) => {
      try {
        await apiFetch(`/api/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      remove(id);
    },
    [remove],
  );

  return { sessions, loaded, deleted, create, rename, destroy, reload };
}

function parseEvent(data: string): SessionEvent | null {
  try {
    const value = JSON.parse(data) as SessionEvent;
    if (value.type === 'session' && typeof value.session?.id === 'string') return value;
    if (value.type === 'session-deleted' && typeof value.id === 'string') return value;
  } catch {
    // A frame we do not understand is skipped, not fatal.
  }
  return null;
}
