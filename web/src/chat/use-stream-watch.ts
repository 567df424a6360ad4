import { useEffect } from 'react';

/** The stall watchdog: nothing at all (not even a heartbeat) for this long means the stream is dead. */
const stallMs = 60_000;
/** A tab shown again after this much silence restarts its stream rather than trust it. */
const hiddenSilenceMs = 30_000;
const watchEveryMs = 5000;

interface WatchedChat {
  status: string;
  stop(): Promise<void>;
}

const isLive = (chat: WatchedChat) => chat.status === 'submitted' || chat.status === 'streaming';

/**
 * Notices a stream that died quietly and reconnects: the stall watchdog while a turn runs, a resync
 * when a hidden tab is shown again, a retry when the browser comes back online, and an immediate
 * reconnect when it goes offline (a real drop leaves the stream hanging rather than closed).
 */
export function useStreamWatch(options: {
  chatRef: { current: WatchedChat };
  running: boolean;
  /** When the stream last carried anything (heartbeats included). */
  lastActivity: { current: number };
  refresh: () => Promise<void>;
  recover: () => Promise<void>;
}): void {
  const { chatRef, running, lastActivity, refresh, recover } = options;

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (Date.now() - lastActivity.current < stallMs) return;
      lastActivity.current = Date.now();
      void chatRef.current.stop().then(() => recover());
    }, watchEveryMs);
    return () => clearInterval(timer);
  }, [running, recover, chatRef, lastActivity]);

  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      const current = chatRef.current;
      if (!isLive(current)) void refresh().catch(() => recover());
      else if (Date.now() - lastActivity.current > hiddenSilenceMs) void current.stop().then(() => recover());
    };
    const onOnline = () => {
      if (chatRef.current.status === 'error') void recover();
    };
    const onOffline = () => {
      const current = chatRef.current;
      if (isLive(current)) void current.stop().then(() => recover());
    };
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
    };
  }, [refresh, recover, chatRef, lastActivity]);
}
