import { useEffect, useRef } from 'react';
import type { WaitingMessage } from './chat-types.ts';

/** Messages waiting for a turn, newest last; past a few the list scrolls, and shows the newest. */
export function WaitingChips(props: { chips: WaitingMessage[] }) {
  const list = useRef<HTMLUListElement>(null);
  const count = props.chips.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a chip added is what scrolls the list.
  useEffect(() => {
    const element = list.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [count]);
  if (count === 0) return null;
  return (
    <ul className="waiting-chips" aria-label="Waiting messages" ref={list}>
      {props.chips.map((chip) => (
        <li key={chip.messageId} className="chip">
          <span className="chip-kind">{chip.delivery === 'steer' ? 'Steering' : 'Queued'}</span>
          <span className="chip-text">{chip.text}</span>
        </li>
      ))}
    </ul>
  );
}
