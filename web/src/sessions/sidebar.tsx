import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionSummary } from '../../../src/protocol/index.ts';
import { Icon } from '../icons.tsx';

export const untitled = 'New conversation';

export function Sidebar(props: {
  sessions: SessionSummary[];
  loaded: boolean;
  currentId: string | null;
  open: boolean;
  onNavigate: (path: string) => void;
  onNewChat: () => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}) {
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SessionSummary | null>(null);
  const newChatButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useReturnFocus();
  const needle = query.trim().toLowerCase();
  const shown = needle
    ? props.sessions.filter((session) => (session.title ?? untitled).toLowerCase().includes(needle))
    : props.sessions;

  return (
    <aside className={`sidebar${props.open ? ' open' : ''}`}>
      <div className="sidebar-top">
        <span className="brand">
          <Icon name="agent" size={20} /> Autopilot
        </span>
        <button
          type="button"
          ref={newChatButton}
          className="button primary new-chat"
          onClick={props.onNewChat}
        >
          <Icon name="plus" /> New chat
        </button>
        <input
          type="search"
          className="search"
          placeholder="Search conversations"
          aria-label="Search conversations"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
      </div>
      <nav aria-label="Sessions" className="session-nav">
        {props.loaded && shown.length === 0 ? (
          <p className="muted">{needle ? 'No conversation matches.' : 'No conversations yet.'}</p>
        ) : null}
        <ul>
          {shown.map((session) => {
            const title = session.title ?? untitled;
            const current = session.id === props.currentId;
            return (
              <li key={session.id} className={`session-item${current ? ' current' : ''}`}>
                {editing === session.id ? (
                  <RenameForm
                    title={session.title ?? ''}
                    onDone={async (next, by) => {
                      setEditing(null);
                      if (by === 'keyboard') returnFocus.to(`rename:${session.id}`);
                      if (next && next !== session.title) await props.onRename(session.id, next);
                    }}
                  />
                ) : (
                  <>
                    <a
                      href={`/s/${session.id}`}
                      aria-current={current ? 'page' : undefined}
                      onClick={(event) => {
                        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                        event.preventDefault();
                        props.onNavigate(`/s/${session.id}`);
                      }}
                    >
                      <span className={`status-dot ${session.status}`} aria-hidden="true" />
                      <span className="session-title">{title}</span>
                    </a>
                    {session.status !== 'idle' ? (
                      <span className="visually-hidden">{session.status}</span>
                    ) : null}
                    <span className="session-actions">
                      <button
                        type="button"
                        className="icon-button"
                        ref={returnFocus.register(`rename:${session.id}`)}
                        aria-label={`Rename ${title}`}
                        onClick={() => setEditing(session.id)}
                      >
                        <Icon name="pencil" size={14} />
                      </button>
                      <button
                        type="button"
                        className="icon-button"
                        ref={returnFocus.register(`delete:${session.id}`)}
                        aria-label={`Delete ${title}`}
                        onClick={() => setDeleting(session)}
                      >
                        <Icon name="trash" size={14} />
                      </button>
                    </span>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </nav>
      {deleting ? (
        <ConfirmDelete
          title={deleting.title ?? untitled}
          onCancel={() => {
            setDeleting(null);
            returnFocus.to(`delete:${deleting.id}`);
          }}
          onConfirm={async () => {
            const id = deleting.id;
            setDeleting(null);
            await props.onDelete(id);
            // The button that opened the dialog is gone; a view that took the focus meanwhile keeps it.
            if (!document.activeElement || document.activeElement === document.body)
              newChatButton.current?.focus();
          }}
        />
      ) : null}
    </aside>
  );
}

/**
 * The buttons of the list by key, and the one to focus once the list has rendered again: a rename
 * field or a dialog that closes takes the focus with it, and the keyboard goes on from where it was.
 */
function useReturnFocus() {
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const [target, setTarget] = useState<string | null>(null);
  useEffect(() => {
    if (target === null) return;
    buttons.current.get(target)?.focus();
    setTarget(null);
  }, [target]);
  const register = useCallback(
    (key: string) => (element: HTMLButtonElement | null) => {
      if (element) buttons.current.set(key, element);
      else buttons.current.delete(key);
    },
    [],
  );
  return { register, to: setTarget };
}

/** How a rename ended: by Enter or Escape (the focus goes back to its button), or by a click elsewhere. */
type RenameEnd = 'keyboard' | 'blur';

function RenameForm(props: { title: string; onDone: (title: string | null, by: RenameEnd) => void }) {
  const [value, setValue] = useState(props.title);
  const input = useRef<HTMLInputElement>(null);
  // Escape or Enter removes the field, which may blur it too: the first ending counts.
  const ended = useRef(false);
  const end = (title: string | null, by: RenameEnd) => {
    if (ended.current) return;
    ended.current = true;
    props.onDone(title, by);
  };
  useEffect(() => input.current?.select(), []);
  return (
    <form
      className="rename-form"
      onSubmit={(event) => {
        event.preventDefault();
        end(value.trim() || null, 'keyboard');
      }}
    >
      <input
        ref={input}
        aria-label="Conversation title"
        value={value}
        maxLength={200}
        onChange={(event) => setValue(event.target.value)}
        onBlur={() => end(value.trim() || null, 'blur')}
        onKeyDown={(event) => {
          if (event.key !== 'Escape') return;
          // Escape ends the rename only, not the sidebar around it.
          event.preventDefault();
          end(null, 'keyboard');
        }}
      />
    </form>
  );
}

function ConfirmDelete(props: { title: string; onCancel: () => void; onConfirm: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby="confirm-title"
      onCancel={props.onCancel}
      onClose={props.onCancel}
    >
      <h2 id="confirm-title">Delete this conversation?</h2>
      <p>“{props.title}” and its workspace files will be deleted for good. A running turn is stopped.</p>
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="button danger" onClick={props.onConfirm}>
          Delete
        </button>
      </div>
    </dialog>
  );
}
