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
 * Ends the dead stream, then reconnects. `stop()` only aborts the request: the chat settles a moment
 * later, and a resume started before it has would be ended by the old request's clean-up.
 */
async function stopThenRecover(options: {
  chatRef: { current: WatchedChat };
  recover: () => Promise<void>;
}): Promise<void> {
  await options.chatRef.current.stop();
  for (let waited = 0; isLive(options.chatRef.current) && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await options.recover();
}

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
      void stopThenRecover({ chatRef, recover });
    }, watchEveryMs);
    return () => clearInterval(timer);
  }, [running, recover, chatRef, lastActivity]);

  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      const current = chatRef.current;
      if (!isLive(current)) void refresh().catch(() => recover());
      else if (Date.now() - lastActivity.current > hiddenSilenceMs)
        void stopThenRecover({ chatRef, recover });
    };
    const onOnline = () => {
      if (chatRef.current.status === 'error') void recover();
    };
    const onOffline = () => {
      if (isLive(chatRef.current)) void stopThenRecover({ chatRef, recover });
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
