import { useState } from 'react';
import { messageRefusal } from '../../../src/protocol/index.ts';
import type { FirstMessage } from './chat-view.tsx';
import { Composer } from './composer.tsx';
import { ConversationLog } from './conversation-log.tsx';
import { fileDropZone } from './file-drop.ts';
import { useAttachments } from './use-attachments.ts';

/** A conversation that does not exist yet: the first send creates it. */
export function NewChatView(props: { onStart: (message: FirstMessage) => Promise<void> }) {
  const [draft, setDraft] = useState('');
  const [starting, setStarting] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const attachments = useAttachments(null);
  const send = () => {
    const text = draft.trim();
    // Refused here, as the server would: no conversation is made for a message that cannot be sent.
    const fileCount = attachments.items.filter((item) => item.uploaded).length;
    const problem = messageRefusal({ text, fileCount });
    if (problem) {
      setRefusal(problem.message);
      return;
    }
    setRefusal(null);
    const files = attachments.take();
    setStarting(true);
    setDraft('');
    props.onStart({ text, files }).catch(() => {
      setDraft(text);
      attachments.restore(files);
      setStarting(false);
    });
  };
  return (
    <div className="chat-layout" {...fileDropZone(attachments.add)}>
      <main className="chat">
        <ConversationLog messages={[]} running={false} status={null} error={null} onRetry={null} />
        <div className="composer-dock">
          {refusal ? (
            <div className="notice error" role="alert">
              <span>{refusal}</span>
              <button
                type="button"
                className="icon-button"
                aria-label="Dismiss"
                onClick={() => setRefusal(null)}
              >
                ×
              </button>
            </div>
          ) : null}
          <Composer
            value={draft}
            onChange={setDraft}
            running={false}
            held={starting}
            steerAvailable={false}
            attachments={attachments.items}
            uploading={attachments.busy}
            onAttach={attachments.add}
            onRemoveAttachment={attachments.remove}
            onSend={send}
            onQueue={send}
            onSteer={send}
            onStop={() => {}}
            // Not on a touch screen, where focus at page load would open the keyboard over the page.
            focusOnMount={window.matchMedia?.('(pointer: fine)').matches ?? true}
          />
        </div>
      </main>
    </div>
  );
}
