import {
  type FakeBrain,
  type FakeReply,
  scriptedBrain,
  textReply,
} from '../test/support/fake-model/index.ts';
import { splitText } from '../test/support/fake-model/resolve-message.ts';

/** What the untimed first message of every session says; its turn also triggers the title request. */
export const warmUpText = 'hello';

/** How many `text_delta` events the timed reply streams: short enough to keep a paced run brief. */
export const replyDeltaCount = 40;

/**
 * One word group per delta: the fake splits text into pieces of at most 24 characters at word
 * boundaries, and each group is 22 characters, so every group becomes exactly one delta.
 */
export const replyText = Array.from(
  { length: replyDeltaCount },
  (_, index) => `token${String(index).padStart(2, '0')} streams along `,
).join('');

/** The timed prompt of a setting; the brain reads the pace from it, so each setting has its own. */
export function benchPrompt(delayMs: number): string {
  return `bench reply paced at ${delayMs} ms`;
}

const benchPromptPattern = /^bench reply paced at (\d+) ms$/;

/**
 * Answers titles and warm-ups at once, and the timed prompt with the fixed reply at the pace the
 * prompt names, so a full-path turn and a direct call get the very same stream.
 */
export function createBenchBrain(options: { arrivals: { mark(): void } }): FakeBrain {
  if (splitText(replyText).length !== replyDeltaCount) {
    throw new Error(`the fake no longer splits the bench reply into ${replyDeltaCount} deltas`);
  }
  return scriptedBrain([
    {
      when: (request) => request.system.startsWith('Generate a very short title'),
      reply: textReply('Bench session'),
    },
    {
      when: (request) => benchPromptPattern.test(request.lastUserText),
      reply: (request) => {
        options.arrivals.mark();
        return pacedReply(Number(benchPromptPattern.exec(request.lastUserText)![1]));
      },
    },
    { when: (request) => request.lastUserText === warmUpText, reply: textReply('Hi.') },
  ]);
}

function pacedReply(delayMs: number): FakeReply {
  return { kind: 'message', blocks: [{ type: 'text', text: replyText }], chunkDelayMs: delayMs };
}
