import { DefaultChatTransport } from 'ai';
import { authHeaders, toApiError } from '../api.ts';
import type { ChatMessage } from './chat-types.ts';

const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
/**
 * A resume whose answer has not begun by then fails, so the page reconnects. A hung send is the
 * stall watchdog's, but a resume waits in `ready`, where the watchdog does not look.
 */
const resumeAnswerMs = 30_000;

/**
 * The chat's transport, aimed at our routes: a send posts `{text, messageId, fileIds?, regenerate?}`
 * and a resume is `GET /stream`, which replays the turn from its first event. Every byte read
 * (heartbeats included) counts as activity for the stall watchdog, and a non-2xx answer becomes an
 * ApiError carrying the server's message and Retry-After. A stream starting or ending is reported
 * (`onStreamChange`): a read of the session begun before it is older than what the page shows.
 */
export function createTransport(options: {
  sessionId: string;
  onActivity: () => void;
  onStreamChange: () => void;
}): DefaultChatTransport<ChatMessage> {
  const base = `/api/sessions/${encodeURIComponent(options.sessionId)}`;
  const activityFetch: typeof fetch = async (input, init) => {
    options.onStreamChange();
    let response: Response;
    try {
      response =
        init?.method === 'GET'
          ? await fetchWithDeadline(input, init, resumeAnswerMs)
          : await fetch(input, init);
    } catch (error) {
      options.onStreamChange();
      throw error;
    }
    options.onActivity();
    if (!response.ok) {
      options.onStreamChange();
      throw await toApiError(response);
    }
    // A response that may not carry a body (204 "no turn to resume", 304…) cannot be rebuilt with one.
    if (!response.body || nullBodyStatuses.has(response.status)) {
      options.onStreamChange();
      return response;
    }
    const reader = response.body.getReader();
    // Its end is reported once, whichever comes first: the last byte, a failed read, a cancel.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      options.onStreamChange();
    };
    const watched = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
        } catch (error) {
          end();
          throw error;
        }
        // Cancelled while the read waited: the stream is already closed.
        if (ended) return;
        if (read.done) {
          end();
          controller.close();
          return;
        }
        options.onActivity();
        controller.enqueue(read.value);
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(watched, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };

  return new DefaultChatTransport<ChatMessage>({
    api: `${base}/messages`,
    fetch: activityFetch,
    prepareSendMessagesRequest: ({ messages, trigger }) => {
      const last = messages.findLast((message) => message.role === 'user');
      const text = last?.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n') ?? '';
      const fileIds = last?.parts.flatMap((part) => (part.type === 'file' ? fileIdOf(part.url) : [])) ?? [];
      return {
        api: `${base}/messages`,
        headers: authHeaders(),
        body: {
          text,
          ...(last ? { messageId: last.id } : {}),
          ...(fileIds.length > 0 ? { fileIds } : {}),
          ...(trigger === 'regenerate-message' ? { regenerate: true } : {}),
        },
      };
    },
    prepareReconnectToStreamRequest: () => ({ api: `${base}/stream`, headers: authHeaders() }),
  });
}

/** `/api/files/<id>` → `<id>`: attachments travel as file parts and are sent as their ids. */
function fileIdOf(url: string): string[] {
  const match = /^\/api\/files\/([^/?#]+)$/.exec(url);
  return match?.[1] ? [decodeURIComponent(match[1])] : [];
}

/** `fetch`, failed if its answer has not begun within `deadlineMs`; the caller's signal still aborts it. */
async function fetchWithDeadline(
  input: RequestInfo | URL,
  init: RequestInit,
  deadlineMs: number,
): Promise<Response> {
  const controller = new AbortController();
  const outer = init.signal;
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    controller.abort();
  }, deadlineMs);
  try {
    return await fetch(input, { ...init, signal: controller.signal });
  } catch (error) {
    // Not an AbortError: the chat would take that for a stop, not a failure to recover from.
    if (late && !outer?.aborted) throw new Error('The conversation did not answer in time.');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
