import { type Dispatch, type SetStateAction, useCallback, useMemo } from 'react';
import type { CancelResult, UploadedFile } from '../../../src/protocol/index.ts';
import { ApiError, apiFetch, apiJson } from '../api.ts';
import type { ChatMessage, WaitingMessage } from './chat-types.ts';
import { type Draft, type Notice, refusalText } from './session-sync.ts';

/** How long a stopped turn's stream may take to end by itself before the view stops reading it. */
const stopGraceMs = 4000;

/**
 * What a person does to a running turn: Stop (the server's turn; waiting messages come back to the
 * composer), and Queue or Steer a message, shown as a chip until it is delivered.
 */
export function useTurnControls(options: {
  sessionId: string;
  chatRef: { current: { status: string; stop(): Promise<void> } };
  messages: ChatMessage[];
  waiting: WaitingMessage[];
  setWaiting: Dispatch<SetStateAction<WaitingMessage[]>>;
  /** Set while a stop is in flight, so nothing reconnects to the turn being stopped. */
  stopping: { current: boolean };
  onComposerRestore: { current: (draft: Draft) => void };
  setNotice: (notice: Notice) => void;
  refresh: () => Promise<void>;
  recover: () => Promise<void>;
  /** Ids of the messages whose send is under way. */
  sending: Set<string>;
  onSendAnswered: () => void;
}) {
  const { sessionId, chatRef, setWaiting, stopping, onComposerRestore, setNotice, refresh, recover } =
    options;
  const { sending, onSendAnswered } = options;

  const stop = useCallback(async () => {
    stopping.current = true;
    try {
      const result = await apiJson<CancelResult & { unsent?: WaitingMessage[] }>(
        `/api/sessions/${encodeURIComponent(sessionId)}/cancel`,
        { method: 'POST', json: {} },
      );
      const unsent = result.unsent ?? [];
      if (unsent.length > 0)
        onComposerRestore.current({ text: unsent.map((message) => message.text).join('\n\n'), files: [] });
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
    }, stopGraceMs);
  }, [sessionId, refresh, recover, chatRef, setWaiting, stopping, onComposerRestore, setNotice]);

  const deliver = useCallback(
    async (input: { text: string; delivery: 'next-turn' | 'steer'; files: UploadedFile[] }) => {
      const fileIds = input.files.map((file) => file.id);
      const messageId = crypto.randomUUID();
      setWaiting((chips) => [...chips, { messageId, text: input.text, delivery: input.delivery }]);
      const controller = new AbortController();
      sending.add(messageId);
      try {
        await apiFetch(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, {
          method: 'POST',
          signal: controller.signal,
          json: {
            text: input.text,
            messageId,
            ...(fileIds.length > 0 ? { fileIds } : {}),
            ...(input.delivery === 'steer' ? { delivery: 'steer' } : {}),
          },
        });
      } catch (error) {
        setWaiting((chips) => chips.filter((chip) => chip.messageId !== messageId));
        onComposerRestore.current({ text: input.text, files: input.files });
        setNotice({
          text: error instanceof ApiError ? refusalText(error) : 'The message could not be sent.',
          tone: 'error',
        });
      } finally {
        sending.delete(messageId);
        onSendAnswered();
        // Its answer arrives in this view through the running turn and the resume that follows it.
        controller.abort();
      }
    },
    [sessionId, setWaiting, onComposerRestore, setNotice, sending, onSendAnswered],
  );

  // A steered message shows where it went in: its chip gives way to the bubble in the stream.
  const delivered = useMemo(() => {
    const ids = new Set<string>();
    for (const message of options.messages) {
      ids.add(message.id);
      for (const part of message.parts) {
        if ((part.type === 'data-follow-up' || part.type === 'data-followup') && part.data.messageId)
          ids.add(part.data.messageId);
      }
    }
    return ids;
  }, [options.messages]);
  const chips = options.waiting.filter((chip) => !delivered.has(chip.messageId));

  return { stop, deliver, chips };
}
