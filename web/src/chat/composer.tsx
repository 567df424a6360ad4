import {
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  type MouseEvent,
  useEffect,
  useRef,
} from 'react';
import { Icon } from '../icons.tsx';
import type { PendingAttachment } from './use-attachments.ts';

/**
 * Stop takes Send's place under the pointer: a click this near and this soon after the one on Send
 * is the rest of a double-click, as browsers and desktops count one.
 */
const doubleClickMs = 500;
const doubleClickSlopPx = 8;

export interface ComposerProps {
  value: string;
  onChange: (value: string) => void;
  running: boolean;
  /** Sending is held while the connection is being re-established. */
  held: boolean;
  steerAvailable: boolean;
  attachments: PendingAttachment[];
  uploading: boolean;
  onAttach: (files: File[]) => void;
  onRemoveAttachment: (localId: string) => void;
  onSend: () => void;
  onQueue: () => void;
  onSteer: () => void;
  onStop: () => void;
  /** Takes the focus when it appears: it replaces the composer a message was just sent from. */
  focusOnMount?: boolean;
}

/** Enter sends (or queues while a turn runs), Shift+Enter makes a new line, Escape stops. */
export function Composer(props: ComposerProps) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const sendClick = useRef<PointerClick | null>(null);
  const canSend =
    (props.value.trim() !== '' || props.attachments.length > 0) && !props.uploading && !props.held;

  // Grows with its text, up to a limit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height depends on the value that was just rendered.
  useEffect(() => {
    const element = textarea.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 240)}px`;
  }, [props.value]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only the composer's first render decides.
  useEffect(() => {
    if (props.focusOnMount) textarea.current?.focus();
  }, []);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    if (props.running) props.onQueue();
    else props.onSend();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // An input method's keys are its own: Enter picks a candidate, Escape drops the composition, and
    // neither may send or stop. Safari reports the key that ends one with keyCode 229 instead.
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && props.running) {
      event.preventDefault();
      props.onStop();
    }
  };
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files];
    if (files.length > 0) {
      event.preventDefault();
      props.onAttach(files);
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      {props.attachments.length > 0 ? (
        <ul className="attachment-tray" aria-label="Attachments">
          {props.attachments.map((item) => (
            <li key={item.localId} className={item.error ? 'failed' : ''}>
              {item.previewUrl ? (
                <img className="thumb" src={item.previewUrl} alt="" />
              ) : (
                <Icon name="file-read" />
              )}
              <span className="attachment-name">{item.name}</span>
              {item.error ? (
                <span className="attachment-error">{item.error}</span>
              ) : !item.uploaded ? (
                <progress value={item.progress} max={1} aria-label={`Uploading ${item.name}`} />
              ) : null}
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${item.name}`}
                onClick={() => props.onRemoveAttachment(item.localId)}
              >
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="composer-row">
        <label className="icon-button attach" title="Attach files">
          <Icon name="attach" size={18} />
          <input
            type="file"
            multiple
            className="visually-hidden"
            aria-label="Attach files"
            onChange={(event) => {
              props.onAttach([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
        </label>
        <textarea
          ref={textarea}
          aria-label="Message"
          placeholder={props.running ? 'Add to the conversation…' : 'Message Autopilot…'}
          rows={1}
          value={props.value}
          onChange={(event) => props.onChange(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <div className="composer-actions">
          {props.running ? (
            <>
              {props.steerAvailable ? (
                <button
                  type="button"
                  className="button secondary"
                  disabled={!canSend}
                  onClick={props.onSteer}
                  title="Deliver into the running turn"
                >
                  Steer
                </button>
              ) : null}
              <button
                type="submit"
                className="button secondary"
                disabled={!canSend}
                title="Send when this turn ends (Enter)"
              >
                Queue
              </button>
              <StopButton onStop={props.onStop} sendClick={sendClick} />
            </>
          ) : (
            <button
              type="submit"
              className="button primary"
              disabled={!canSend}
              onClick={(event) => (sendClick.current = pointerClickOf(event))}
            >
              Send <Icon name="send" />
            </button>
          )}
        </div>
      </div>
    </form>
  );
}

interface PointerClick {
  x: number;
  y: number;
  at: number;
}

/** Where and when a click by pointer landed; null for a key press (`detail` 0). */
function pointerClickOf(event: MouseEvent): PointerClick | null {
  return event.detail > 0 ? { x: event.clientX, y: event.clientY, at: event.timeStamp } : null;
}

/** Whether two clicks make a double-click, by the distance and time browsers use for one. */
function isDoubleClick(first: PointerClick | null, second: PointerClick): boolean {
  if (!first) return false;
  const near =
    Math.abs(second.x - first.x) <= doubleClickSlopPx && Math.abs(second.y - first.y) <= doubleClickSlopPx;
  return near && second.at - first.at < doubleClickMs;
}

/**
 * Stop, which the second half of a double-click on Send cannot press (a person who sent something
 * meant to send it); a later click, or Escape in the composer, stops at once.
 */
function StopButton(props: { onStop: () => void; sendClick: { current: PointerClick | null } }) {
  const onClick = (event: MouseEvent<HTMLButtonElement>) => {
    const click = pointerClickOf(event);
    // `detail` counts the clicks of a multi-click: anything past the first belongs to the Send.
    if (click && (event.detail > 1 || isDoubleClick(props.sendClick.current, click))) return;
    props.onStop();
  };
  return (
    <button type="button" className="button stop" onClick={onClick} title="Stop (Esc)">
      <Icon name="stop" /> Stop
    </button>
  );
}
