import { memo } from 'react';
import type { ErrorData } from '../../../src/protocol/index.ts';
import { DownloadLink, useFileUrl } from '../authed-file.tsx';
import { Icon } from '../icons.tsx';
import type { ChatMessage } from './chat-types.ts';
import { Markdown } from './markdown.tsx';
import { type Segment, stoppedMarkerText, toSegments } from './segments.ts';
import { tokenCount } from './tool-describe.ts';
import { ToolGroup, ToolRow } from './tool-row.tsx';

export const MessageView = memo(function MessageView(props: {
  message: ChatMessage;
  streaming: boolean;
  /** Set on the last message when its error may be retried. */
  onRetry: (() => void) | null;
}) {
  const { message } = props;
  const segments = toSegments(message.parts);
  if (message.role === 'user') {
    return (
      <article className="message user" aria-label="You">
        <div className="bubble">
          {segments.map((segment) =>
            segment.kind === 'file' ? (
              <Attachment key={segment.key} segment={segment} />
            ) : segment.kind === 'text' ? (
              <p key={segment.key} className="user-text">
                {segment.text}
              </p>
            ) : null,
          )}
        </div>
      </article>
    );
  }
  if (segments.length === 0 && !props.streaming) return null;
  return (
    <article className="message assistant" aria-label="Autopilot">
      {segments.map((segment) => (
        <SegmentView
          key={segment.key}
          segment={segment}
          streaming={props.streaming}
          onRetry={props.onRetry}
        />
      ))}
      <UsageLine message={message} />
    </article>
  );
});

function SegmentView(props: { segment: Segment; streaming: boolean; onRetry: (() => void) | null }) {
  const { segment } = props;
  switch (segment.kind) {
    case 'text':
      return <Markdown text={segment.text} streaming={props.streaming && segment.streaming} />;
    case 'reasoning':
      return (
        <details className="reasoning">
          <summary>{segment.streaming && props.streaming ? 'Thinking…' : 'Reasoning'}</summary>
          <div className="reasoning-text">{segment.text}</div>
        </details>
      );
    case 'tool':
      return <ToolRow tool={segment.tool} />;
    case 'tool-group':
      return <ToolGroup tools={segment.tools} />;
    case 'error':
      return <ErrorCard error={segment.error} onRetry={segment.error.retryable ? props.onRetry : null} />;
    case 'system':
      return segment.message === stoppedMarkerText ? (
        <p className="system-line stopped">Stopped</p>
      ) : (
        <p className="system-line">{segment.message}</p>
      );
    case 'follow-up':
      return (
        <div className="follow-up">
          <span className="follow-up-label">Sent while working</span>
          <p className="bubble">{segment.text}</p>
        </div>
      );
    case 'file':
      return <Attachment segment={segment} />;
  }
}

export function ErrorCard(props: { error: Pick<ErrorData, 'message'>; onRetry: (() => void) | null }) {
  return (
    <div className="error-card" role="alert">
      <p>{props.error.message}</p>
      {props.onRetry ? (
        <button type="button" className="button secondary" onClick={props.onRetry}>
          <Icon name="retry" /> Try again
        </button>
      ) : null}
    </div>
  );
}

function Attachment(props: { segment: Extract<Segment, { kind: 'file' }> }) {
  const { segment } = props;
  const name = segment.filename ?? 'attachment';
  if (segment.mediaType.startsWith('image/')) return <ImageAttachment url={segment.url} name={name} />;
  return (
    <DownloadLink className="attachment file" url={segment.url} filename={name}>
      <Icon name="file-read" /> {name}
    </DownloadLink>
  );
}

function ImageAttachment(props: { url: string; name: string }) {
  const src = useFileUrl(props.url);
  return (
    <a className="attachment image" href={src ?? props.url} target="_blank" rel="noreferrer">
      {src ? <img src={src} alt={props.name} loading="lazy" /> : <span className="thumb-placeholder" />}
    </a>
  );
}

function UsageLine(props: { message: ChatMessage }) {
  const metadata = props.message.metadata;
  const usage = metadata?.usage;
  if (!usage) return null;
  const tokens = usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  if (tokens === 0) return null;
  const parts = [
    `${tokenCount(tokens)} tokens`,
    `${tokenCount(usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens)} in · ${tokenCount(usage.outputTokens)} out`,
    ...(usage.costUsd > 0 ? [formatCost(usage.costUsd)] : []),
    ...(metadata.durationMs ? [`${(metadata.durationMs / 1000).toFixed(1)} s`] : []),
  ];
  return <p className="usage-line">{parts.join(' · ')}</p>;
}

export function formatCost(usd: number): string {
  return usd >= 0.1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}
