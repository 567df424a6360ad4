import {
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessageChunk,
  UIMessageStreamError,
  uiMessageChunkSchema,
} from 'ai';
import type { TurnView } from './turn-view.ts';

type ParsedChunk = { success: true; value: UIMessageChunk } | { success: false; error: unknown };

/**
 * Reads a turn's SSE body with the `ai` package's own parser and message builder, handing every
 * chunk and every message snapshot to the view. A chunk the schema rejects (from a newer server,
 * say) is skipped rather than ending the turn. Ends when the body ends, or drops.
 */
export async function renderTurnStream(options: {
  body: ReadableStream<Uint8Array>;
  view: TurnView;
  /** Awaited at the stream's first `start`, before anything of it is shown: which turn it carries. */
  beforeTurn?: (turnId: string) => Promise<void>;
}): Promise<void> {
  const { view } = options;
  let beforeTurn = options.beforeTurn;
  const chunks = parseJsonEventStream({ stream: options.body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream<ParsedChunk, UIMessageChunk>({
      async transform(result, controller) {
        if (!result.success) return;
        if (beforeTurn && result.value.type === 'start' && result.value.messageId !== undefined) {
          const before = beforeTurn;
          beforeTurn = undefined;
          await before(result.value.messageId);
        }
        view.onChunk(result.value);
        controller.enqueue(result.value);
      },
    }),
  );
  // Stream errors reach the view as `error` chunks; a dropped connection shows as a turn without
  // `finish`; a stream the message builder cannot follow is said to be unreadable.
  const onError = (error: unknown) => {
    if (UIMessageStreamError.isInstance(error) && error.chunkType !== 'error') view.unreadable();
  };
  for await (const message of readUIMessageStream({ stream: chunks, onError })) {
    view.onMessage(message);
  }
}
