import { type FakeRequest, type FakeRule, textReply } from './fake-model/index.ts';

/** The side call that names a new session. */
export const isTitleCall = (request: FakeRequest) => request.system.includes('Generate a very short title');

/** The main call answering the user message `text` (not a title call, not a tool result). */
export const asks = (text: string) => (request: FakeRequest) =>
  !isTitleCall(request) && request.lastUserText === text;

/** Answers title calls, so that other rules need not tell them apart. */
export const titleRule: FakeRule = { when: isTitleCall, reply: textReply('A title') };
