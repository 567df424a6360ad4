import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { UploadedFile, WebBootstrap } from '../../../src/protocol/index.ts';
import { ApiError, apiJson } from '../api.ts';
import { WorkspacePanel } from '../workspace/workspace-panel.tsx';
import { Composer } from './composer.tsx';
import { ConversationLog } from './conversation-log.tsx';
import { fileDropZone } from './file-drop.ts';
import { formatCost } from './message-view.tsx';
import { toToolView } from './segments.ts';
import type { Draft } from './session-sync.ts';
import { TodoPanel } from './todo-panel.tsx';
import { tokenCount, toolCategory } from './tool-describe.ts';
import { useAttachments } from './use-attachments.ts';
import { type SessionView, useSessionChat } from './use-session-chat.ts';
import { WaitingChips } from './waiting-chips.tsx';

export interface FirstMessage {
  text: string;
  files: UploadedFile[];
}

/** Loads a session, then shows it; a session that does not exist says so. */
export function ChatView(props: {
  sessionId: string;
  title: string;
  liveStatus: string | undefined;
  /** Deleted since the page loaded, here or in another tab. */
  deleted: boolean;
  /** Goes to a new chat: offered where this conversation cannot be shown. */
  onNewChat: () => void;
  bootstrap: WebBootstrap;
  firstMessage: FirstMessage | null;
  workspaceOpen: boolean;
  onCloseWorkspace: () => void;
}) {
  const [detail, setDetail] = useState<SessionView | null>(null);
  // Kept from the first render: the parent hands the first message over only once.
  const firstMessage = useRef(props.firstMessage);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = async (attempt: number): Promise<void> => {
      try {
        const loaded = await apiJson<SessionView>(`/api/sessions/${encodeURIComponent(props.sessionId)}`);
        if (live) setDetail(loaded);
      } catch (error) {
        if (!live) return;
        if (error instanceof ApiError)
          setFailure(error.status === 404 ? 'This conversation does not exist.' : error.message);
        else setTimeout(() => void load(attempt + 1), Math.min(1000 * 2 ** attempt, 30_000));
      }
    };
    void load(0);
    return () => {
      live = false;
    };
  }, [props.sessionId]);

  // A deleted conversation is closed: nothing of it is read again, and nothing can be sent to it.
  const gone = props.deleted ? deletedText : failure;
  if (gone) {
    return (
      <main className="chat empty-state gone">
        <p className="notice error" role="alert">
          {gone}
        </p>
        <button type="button" className="button primary" onClick={props.onNewChat}>
          New chat
        </button>
      </main>
    );
  }
  if (!detail) {
    return (
      <main className="chat empty-state">
        <p className="loading">Loading…</p>
      </main>
    );
  }
  return (
    <ChatBody
      {...props}
      firstMessage={firstMessage.current}
      initial={detail}
      onGone={() => setFailure(deletedText)}
    />
  );
}

const deletedText = 'This conversation was deleted, here or in another window.';

function ChatBody(props: Parameters<typeof ChatView>[0] & { initial: SessionView; onGone: () => void }) {
  const [draft, setDraft] = useState('');
  const [workspaceVersion, setWorkspaceVersion] = useState(0);
  const attachments = useAttachments(props.sessionId);
  const { restore: restoreFiles } = attachments;
  const restore = useCallback(
    ({ text, files }: Draft) => {
      setDraft((current) => (current.trim() ? `${text}\n\n${current}` : text));
      restoreFiles(files);
    },
    [restoreFiles],
  );
  const session = useSessionChat({
    sessionId: props.sessionId,
    initial: props.initial,
    liveStatus: props.liveStatus,
    title: props.title,
    onComposerRestore: restore,
    onTurnSettled: () => setWorkspaceVersion((version) => version + 1),
    onGone: props.onGone,
  });
  const { chat, running } = session;

  const sendFirst = useRef(props.firstMessage);
  useEffect(() => {
    const first = sendFirst.current;
    sendFirst.current = null;
    if (first) void chat.sendMessage({ text: first.text, files: first.files.map(toFilePart) });
  }, [chat.sendMessage]);

  // A finished write, edit or delete changes the workspace: refresh the panel as it happens.
  const fileChanges = useMemo(
    () =>
      chat.messages.reduce(
        (count, message) =>
          count +
          message.parts.filter((part) => {
            const tool = toToolView(part);
            return (
              tool?.state === 'done' &&
              ['file-write', 'edit', 'file-delete', 'shell'].includes(toolCategory(tool.toolName))
            );
          }).length,
        0,
      ),
    [chat.messages],
  );

  const send = () => {
    const text = draft.trim();
    const files = attachments.take();
    setDraft('');
    session.setNotice(null);
    void chat.sendMessage({ text, files: files.map(toFilePart) });
  };
  const deliver = (delivery: 'next-turn' | 'steer') => {
    const text = draft.trim();
    const files = attachments.take();
    setDraft('');
    void session.deliver({ text, delivery, files });
  };

  const lastMessage = chat.messages.at(-1);
  const retry = running ? null : () => void chat.regenerate();
  const totals = session.totals;
  const totalTokens =
    totals.inputTokens + totals.outputTokens + totals.cacheReadTokens + totals.cacheWriteTokens;

  return (
    <div className="chat-layout" {...fileDropZone(attachments.add)}>
      <main className="chat">
        <div className="chat-meta">
          <h1 className="chat-title">{props.title}</h1>
          {totalTokens > 0 ? (
            <span className="session-usage" title="This conversation's usage">
              {`This chat: ${tokenCount(totalTokens)} tokens${totals.costUsd > 0 ? ` · ${formatCost(totals.costUsd)}` : ''}`}
            </span>
          ) : null}
        </div>
        {session.connection === 'reconnecting' ? (
          <p className="notice info" role="status">
            Connection lost. Reconnecting…
          </p>
        ) : null}
        <ConversationLog
          messages={chat.messages}
          running={running}
          status={session.status}
          error={session.error && !hasErrorPart(lastMessage) ? session.error : null}
          onRetry={retry}
        />
        <div className="composer-dock">
          <WaitingChips chips={session.waiting} />
          <TodoPanel messages={chat.messages} running={running} />
          {session.notice ? (
            <div
              className={`notice ${session.notice.tone}`}
              role={session.notice.tone === 'error' ? 'alert' : 'status'}
            >
              <span>{session.notice.text}</span>
              <button
                type="button"
                className="icon-button"
                aria-label="Dismiss"
                onClick={() => session.setNotice(null)}
              >
                ×
              </button>
            </div>
          ) : null}
          <Composer
            value={draft}
            onChange={setDraft}
            running={running}
            held={session.connection === 'reconnecting'}
            steerAvailable={props.bootstrap.steer}
            attachments={attachments.items}
            uploading={attachments.busy}
            onAttach={attachments.add}
            onRemoveAttachment={attachments.remove}
            onSend={send}
            onQueue={() => deliver('next-turn')}
            onSteer={() => deliver('steer')}
            onStop={() => void session.stop()}
            focusOnMount={props.firstMessage !== null}
          />
        </div>
      </main>
      <WorkspacePanel
        sessionId={props.sessionId}
        version={workspaceVersion + fileChanges}
        open={props.workspaceOpen}
        onClose={props.onCloseWorkspace}
      />
    </div>
  );
}

function hasErrorPart(message: { parts: { type: string }[] } | undefined): boolean {
  return message?.parts.some((part) => part.type === 'data-error') ?? false;
}

export function toFilePart(file: UploadedFile) {
  return {
    type: 'file' as const,
    mediaType: file.mediaType,
    filename: file.name,
    url: `/api/files/${encodeURIComponent(file.id)}`,
  };
}
