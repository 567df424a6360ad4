import {
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';

/**
 * Parses an SSE response body exactly as the official client does (strict chunk schema), and
 * returns every chunk plus the final UIMessage built by `readUIMessageStream`.
 */
export async function parseUIStream(body: ReadableStream<Uint8Array>): Promise<{
  chunks: UIMessageChunk[];
  message: UIMessage | undefined;
  errors: unknown[];
}> {
  const chunks: UIMessageChunk[] = [];
  const errors: unknown[] = [];
  const stream = parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        // A copy: the client updates data parts in place, which would rewrite earlier chunks.
        chunks.push(structuredClone(result.value) as UIMessageChunk);
        controller.enqueue(result.value as UIMessageChunk);
      },
    }),
  );
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({
    stream,
    onError: (error) => errors.push(error),
  })) {
    message = snapshot;
  }
  return { chunks, message, errors };
}
