import { isAppError } from '../util/app-error.ts';
import { type ChatTurnOptions, joinRunningTurn } from './chat-turn.ts';
import { drawEndedTurn, readNextTurn } from './session-recap.ts';
import type { Terminal } from './terminal.ts';
import { failureLine, type TurnOutcome } from './turn-view.ts';

/**
 * Follows the session's next turn, after its questions; null when there is none, or none this
 * client has not shown already: a turn whose stream ended while it still shows as running (it
 * ended without its record being stored, or the connection was lost) is not drawn again. A turn
 * that ends between the look and the join is shown from the store, and the one found instead
 * after its questions. A server error gives the prompt back, said in a line; a session deleted
 * meanwhile is not offered to continue.
 */
export async function followNextTurn(
  options: ChatTurnOptions & { followed: Set<string> },
): Promise<TurnOutcome | null> {
  const { followed, terminal } = options;
  try {
    const next = await readNextTurn(options);
    if (!next || (next.turnId !== null && followed.has(next.turnId))) return null;
    terminal.write(next.questions);
    const showEnded = async () => {
      if (next.turnId !== null) return drawEndedTurn({ ...options, turnId: next.turnId });
      return '';
    };
    const outcome = await joinRunningTurn({
      ...options,
      beforeTurn: async (turnId) => {
        followed.add(turnId);
        if (next.turnId === null || turnId === next.turnId) return;
        const instead = await readNextTurn(options);
        overSpinner(terminal, `${await showEnded()}${instead?.turnId === turnId ? instead.questions : ''}`);
      },
    });
    if (!outcome) terminal.write(await showEnded());
    return outcome;
  } catch (error) {
    if (!isAppError(error) || error.code === 'not_found') throw error;
    terminal.write(`${failureLine({ style: terminal.style, error })}\n`);
    return null;
  }
}

/** One write over the spinner's line, which the spinner draws again below it. */
export function overSpinner(terminal: Terminal, text: string): void {
  terminal.write(`${terminal.isTTY ? '\r\x1b[2K' : ''}${text}`);
}
