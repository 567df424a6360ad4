import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';

/**
 * What a web client built on `useChat` does: `DefaultChatTransport` with a
 * `prepareSendMessagesRequest` that sends our body (`{text, messageId}`, or `{regenerate:true}`
 * for `regenerate()`), and `readUIMessageStream` to build the answer.
 */
export function chatTransport(options: { url: string; sessionId: string; delivery?: 'next-turn' | 'steer' }) {
  return new DefaultChatTransport<UIMessage>({
    api: `${options.url}/api/sessions/${options.sessionId}/messages`,
    prepareSendMessagesRequest: ({ messages, trigger, messageId }) => {
      const last = messages.at(-1);
      const text = last?.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('') ?? '';
      if (trigger === 'regenerate-message') {
        return { body: { trigger, ...(messageId ? { messageId } : {}), ...(text ? { text } : {}) } };
      }
      return {
        body: { text, messageId: last?.id, ...(options.delivery ? { delivery: options.delivery } : {}) },
      };
    },
  });
}

/**
 * Sends one user message (or a regenerate) and reads the answer's whole stream. A regenerate names
 * `messageId` as the message it runs again, and carries `text` when given.
 */
export async function chat(options: {
  url: string;
  sessionId: string;
  text?: string;
  messageId?: string;
  regenerate?: boolean;
}): Promise<{ message: UIMessage | undefined; chunks: UIMessageChunk[]; errors: unknown[] }> {
  const transport = chatTransport(options);
  const user: UIMessage = {
    id: options.messageId ?? crypto.randomUUID(),
    role: 'user',
    parts: [{ type: 'text', text: options.text ?? '' }],
  };
  const stream = await transport.sendMessages({
    trigger: options.regenerate ? 'regenerate-message' : 'submit-message',
    chatId: options.sessionId,
    messageId: options.regenerate ? options.messageId : undefined,
    messages: options.regenerate && options.text === undefined ? [] : [user],
    abortSignal: undefined,
  });
  const chunks: UIMessageChunk[] = [];
  const errors: unknown[] = [];
  const recorded = stream.pipeThrough(
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        chunks.push(structuredClone(chunk));
        controller.enqueue(chunk);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({
    stream: recorded,
    onError: (error) => errors.push(error),
  })) {
    message = snapshot;
  }
  return { message, chunks, errors };
}

/** The text parts of a message, joined. */
export function textOf(message: { parts: { type: string; text?: string }[] } | undefined): string {
  return (message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text ?? ''] : [])).join('');
}

/** A message as `[role, text]`, for comparing a conversation's shape. */
export const roleAndText = (message: { role: string; parts: { type: string; text?: string }[] }) => [
  message.role,
  textOf(message),
];
