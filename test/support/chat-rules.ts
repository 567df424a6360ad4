import { type FakeRequest, type FakeRule, textReply } from './fake-model/index.ts';

/** The side call that names a new session. */
export const isTitleCall = (request: FakeRequest) => request.system.includes('Generate a very short title');

/** The engine's call that summarises a conversation that no longer fits. */
export const isSummaryCall = (request: FakeRequest) => request.system.includes('Summarise this conversation');

/** A call of the turn's agent: neither a title nor a summary. */
export const isAgentCall = (request: FakeRequest) => !isSummaryCall(request) && !isTitleCall(request);

/** The main call answering the user message `text` (not a title call, not a tool result). */
export const asks = (text: string) => (request: FakeRequest) =>
  !isTitleCall(request) && request.lastUserText === text;

/** Answers title calls, so that other rules need not tell them apart. */
export const titleRule: FakeRule = { when: isTitleCall, reply: textReply('A title') };
