import { useEffect, useRef } from 'react';
import type { ChatMessage } from './chat-types.ts';
import { ErrorCard, MessageView } from './message-view.tsx';

/** The conversation: a `log` of `article`s that follows new content unless the reader scrolled up. */
export function ConversationLog(props: {
  messages: ChatMessage[];
  running: boolean;
  status: string | null;
  error: Error | null;
  onRetry: (() => void) | null;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const lastTop = useRef(0);
  const last = props.messages.at(-1);

  // Follows the bottom while pinned, also when content grows by itself (highlighting, images) and
  // when the log itself shrinks (the todo panel or waiting chips appear above the composer).
  useEffect(() => {
    const element = scroller.current;
    const content = element?.firstElementChild;
    if (!element || !content) return;
    const follow = () => {
      if (pinned.current) element.scrollTop = element.scrollHeight;
    };
    follow();
    const observer = new ResizeObserver(follow);
    observer.observe(content);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // A new last message of the user's (just sent, or a queued one now answered) brings the log
  // back to the bottom, to it and its reply, however far up the reader had scrolled.
  const lastUserId = props.messages.findLast((message) => message.role === 'user')?.id;
  const followedUserId = useRef(lastUserId);
  useEffect(() => {
    if (lastUserId === followedUserId.current) return;
    followedUserId.current = lastUserId;
    const element = scroller.current;
    pinned.current = true;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lastUserId]);

  const waitingForFirstOutput = props.running && (last?.role !== 'assistant' || !hasVisibleContent(last));
  return (
    <div
      className="log-scroller"
      ref={scroller}
      onScroll={(event) => {
        const element = event.currentTarget;
        const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
        // Only a move up lets go of the bottom: the browser's own scroll anchoring moves down.
        if (atBottom) pinned.current = true;
        else if (element.scrollTop < lastTop.current) pinned.current = false;
        lastTop.current = element.scrollTop;
      }}
    >
      <div className="log" role="log" aria-label="Conversation">
        {props.messages.length === 0 && !props.running ? (
          <div className="welcome">
            <h2>What shall we work on?</h2>
            <p>
              Autopilot works in a private workspace for this conversation: it can read and write files, run
              commands in a sandbox and fetch web pages.
            </p>
          </div>
        ) : null}
        {props.messages.map((message, index) => {
          const isLast = index === props.messages.length - 1;
          return (
            <MessageView
              key={message.id}
              message={message}
              streaming={props.running && isLast}
              onRetry={isLast ? props.onRetry : null}
            />
          );
        })}
        {props.status || waitingForFirstOutput ? (
          <p className="thinking">
            <span className="dots" aria-hidden="true" />
            {props.status ?? 'Thinking…'}
          </p>
        ) : null}
        {props.error ? <ErrorCard error={{ message: props.error.message }} onRetry={null} /> : null}
      </div>
    </div>
  );
}

function hasVisibleContent(message: ChatMessage): boolean {
  return message.parts.some(
    (part) => part.type !== 'step-start' && !(part.type === 'text' && part.text.trim() === ''),
  );
}
