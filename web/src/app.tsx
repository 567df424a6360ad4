import { useCallback, useEffect, useRef, useState } from 'react';
import type { WebBootstrap } from '../../src/protocol/index.ts';
import { ApiError } from './api.ts';
import { ChatView, type FirstMessage } from './chat/chat-view.tsx';
import { NewChatView } from './chat/new-chat-view.tsx';
import { Icon } from './icons.tsx';
import { notificationsAvailable, requestNotifications } from './notify.ts';
import { Sidebar, untitled } from './sessions/sidebar.tsx';
import { useSessions } from './sessions/use-sessions.ts';
import { SetupBanner } from './setup-banner.tsx';

function sessionIdOf(path: string): string | null {
  const match = /^\/s\/([^/]+)\/?$/.exec(path);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null; // a malformed link (`/s/%E0%A4%A`) opens no session rather than no app
  }
}

export function App(props: { bootstrap: WebBootstrap; onUnauthorized: () => void }) {
  const [path, setPath] = useState(location.pathname);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [workspaceOpen, setWorkspaceOpen] = useState(false);
  const [notifications, setNotifications] = useState(
    notificationsAvailable() ? Notification.permission : 'denied',
  );
  const [error, setError] = useState<string | null>(null);
  const firstMessage = useRef<{ sessionId: string; message: FirstMessage } | null>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const workspaceButton = useRef<HTMLButtonElement>(null);
  const sessions = useSessions({ onUnauthorized: props.onUnauthorized });
  const sessionId = sessionIdOf(path);
  const current = sessions.sessions.find((session) => session.id === sessionId);
  const deleted = sessionId !== null && sessions.deleted.has(sessionId);

  const navigate = useCallback((next: string) => {
    if (next !== location.pathname) history.pushState(null, '', next);
    setPath(next);
    setSidebarOpen(false);
  }, []);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEscapeToClose({
    open: sidebarOpen,
    inside: '.sidebar',
    close: () => setSidebarOpen(false),
    opener: menuButton,
  });
  useEscapeToClose({
    open: workspaceOpen && !sidebarOpen,
    inside: '.workspace-panel',
    close: () => setWorkspaceOpen(false),
    opener: workspaceButton,
  });
  useEffect(() => {
    document.title = current?.title ? `${current.title} · Autopilot` : 'Autopilot';
  }, [current?.title]);

  const startChat = async (message: FirstMessage) => {
    try {
      const session = await sessions.create();
      firstMessage.current = { sessionId: session.id, message };
      navigate(`/s/${session.id}`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Could not start a conversation.');
      throw caught;
    }
  };
  const pendingFirst = firstMessage.current?.sessionId === sessionId ? firstMessage.current.message : null;
  if (pendingFirst) firstMessage.current = null;

  return (
    <div className={`app${sidebarOpen ? ' sidebar-open' : ''}`}>
      <Sidebar
        sessions={sessions.sessions}
        loaded={sessions.loaded}
        currentId={sessionId}
        open={sidebarOpen}
        onNavigate={navigate}
        onNewChat={() => navigate('/')}
        onRename={(id, title) =>
          sessions.rename(id, title).catch((caught: Error) => setError(caught.message))
        }
        onDelete={async (id) => {
          await sessions.destroy(id).catch((caught: Error) => setError(caught.message));
          if (id === sessionId) navigate('/');
        }}
      />
      {sidebarOpen ? (
        <button
          type="button"
          className="scrim"
          aria-label="Close the sidebar"
          onClick={() => setSidebarOpen(false)}
        />
      ) : null}
      <div className="main-column">
        <header className="topbar">
          <button
            type="button"
            ref={menuButton}
            className="icon-button menu"
            aria-label="Conversations"
            aria-expanded={sidebarOpen}
            onClick={() => setSidebarOpen(!sidebarOpen)}
          >
            <Icon name="menu" size={18} />
          </button>
          <span className="topbar-title">
            {deleted ? 'Deleted conversation' : sessionId ? (current?.title ?? untitled) : 'New chat'}
          </span>
          {notifications === 'default' ? (
            <button
              type="button"
              className="icon-button"
              aria-label="Notify me when a long turn ends"
              title="Notify me when a long turn ends"
              onClick={() => void requestNotifications().then(setNotifications)}
            >
              <Icon name="bell" size={18} />
            </button>
          ) : null}
          {sessionId && !deleted ? (
            <button
              type="button"
              ref={workspaceButton}
              className="icon-button workspace-toggle"
              aria-label="Show workspace"
              aria-pressed={workspaceOpen}
              onClick={() => setWorkspaceOpen(!workspaceOpen)}
            >
              <Icon name="folder" size={18} />
            </button>
          ) : null}
        </header>
        {props.bootstrap.modelConfigured ? null : <SetupBanner hint={props.bootstrap.setupHint} />}
        {error ? (
          <div className="notice error app-error" role="alert">
            <span>{error}</span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setError(null)}>
              ×
            </button>
          </div>
        ) : null}
        {sessionId ? (
          <ChatView
            key={sessionId}
            sessionId={sessionId}
            title={current?.title ?? untitled}
            liveStatus={current?.status}
            deleted={deleted}
            onNewChat={() => navigate('/')}
            bootstrap={props.bootstrap}
            firstMessage={pendingFirst}
            workspaceOpen={workspaceOpen}
            onCloseWorkspace={() => setWorkspaceOpen(false)}
          />
        ) : (
          <NewChatView onStart={startChat} />
        )}
      </div>
    </div>
  );
}

/**
 * Escape closes an overlay (the phone's sidebar, the workspace drawer), unless something inside
 * handled it first (a rename, the composer's stop) or a dialog is open. Focus that was inside goes
 * back to the button that opened it, since the overlay hides it.
 */
function useEscapeToClose(options: {
  open: boolean;
  /** A selector for the overlay. */
  inside: string;
  close: () => void;
  opener: { current: HTMLElement | null };
}) {
  const { open, inside, opener } = options;
  const close = useRef(options.close);
  close.current = options.close;
  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open]')) return;
      const focusWasInside = event.target instanceof Element && event.target.closest(inside) !== null;
      close.current();
      if (focusWasInside) opener.current?.focus();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [open, inside, opener]);
}
