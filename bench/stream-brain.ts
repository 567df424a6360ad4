import { type FakeBrain, scriptedBrain, textReply } from '../test/support/fake-model/index.ts';
import { splitText } from '../test/support/fake-model/resolve-message.ts';

/** The prompt that asks the fake for a reply of `deltas` text deltas followed by a call to `hold_turn`. */
export function longTurnPrompt(deltas: number): string {
  return `stream ${deltas} deltas, then hold`;
}

const longTurnPattern = /^stream (\d+) deltas, then hold$/;

/**
 * Word groups of 20 characters: the fake cuts text into pieces of at most 24 characters at word
 * boundaries, so each group becomes exactly one `text_delta`, streamed with no delay.
 */
function deltaText(deltas: number): string {
  return Array.from({ length: deltas }, (_, index) => `w${String(index).padStart(6, '0')} streams on `).join(
    '',
  );
}

export function createStreamBrain(): FakeBrain {
  return scriptedBrain([
    {
      when: (request) => request.system.startsWith('Generate a very short title'),
      reply: textReply('Bench session'),
    },
    {
      when: (request) => longTurnPattern.test(request.lastUserText) && request.toolResults.length === 0,
      reply: (request) => {
        const deltas = Number(longTurnPattern.exec(request.lastUserText)![1]);
        const text = deltaText(deltas);
        if (splitText(text).length !== deltas)
          throw new Error(`the fake no longer splits the text into ${deltas} deltas`);
        return {
          kind: 'message',
          blocks: [
            { type: 'text', text },
            { type: 'tool_use', name: 'hold_turn', input: {} },
          ],
          chunkDelayMs: 0,
        };
      },
    },
  ]);
}
