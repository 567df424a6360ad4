import type { FakeMessage, FakeRequest } from './script.ts';

/** Derives the convenience fields every brain uses, identically for both providers. */
export function summariseConversation(options: {
  system: string;
  messages: FakeMessage[];
}): Pick<FakeRequest, 'lastUserText' | 'toolResults' | 'allText'> {
  const { system, messages } = options;
  const lastUserMessage = messages.findLast((message) => message.role === 'user' && message.text !== '');
  const toolResults = [];
  // Only the trailing non-assistant turns hold results this call must answer.
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.role === 'assistant') break;
    toolResults.unshift(...message.toolResults);
  }
  const allText = [
    system,
    ...messages.flatMap((message) => [
      message.text,
      ...message.toolUses.map((toolUse) => `${toolUse.name} ${JSON.stringify(toolUse.input)}`),
      ...message.toolResults.map((result) => result.content),
    ]),
  ]
    .filter(Boolean)
    .join('\n');
  return { lastUserText: lastUserMessage?.text ?? '', toolResults, allText };
}
