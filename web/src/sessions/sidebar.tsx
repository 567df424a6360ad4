import { useEffect, useRef, useState } from 'react';
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
        <button type="button" className="button primary new-chat" onClick={props.onNewChat}>
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
                    onDone={async (next) => {
                      setEditing(null);
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
                        aria-label={`Rename ${title}`}
                        onClick={() => setEditing(session.id)}
                      >
                        <Icon name="pencil" size={14} />
                      </button>
                      <button
                        type="button"
                        className="icon-button"
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
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            const id = deleting.id;
            setDeleting(null);
            await props.onDelete(id);
          }}
        />
      ) : null}
    </aside>
  );
}

function RenameForm(props: { title: string; onDone: (title: string | null) => void }) {
  const [value, setValue] = useState(props.title);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  return (
    <form
      className="rename-form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onDone(value.trim() || null);
      }}
    >
      <input
        ref={input}
        aria-label="Conversation title"
        value={value}
        maxLength={200}
        onChange={(event) => setValue(event.target.value)}
        onBlur={() => props.onDone(value.trim() || null)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onDone(null);
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
