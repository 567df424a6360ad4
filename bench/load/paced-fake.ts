import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenHttp } from '../../src/server/listen.ts';

/** What a timed reply streams unless its prompt names another count: text deltas, one per tick. */
export const loadDeltaCount = 100;
/** The fake's pace: one delta per stream every this many milliseconds (50 tokens/s at 20). */
export const loadTickMs = 20;

/**
 * A delta's text carries the moment the fake wrote it, in this process's `performance.now()`
 * milliseconds, so a client in the same process can measure each delta's delay to arrival.
 */
export function stampText(sentAt: number): string {
  return `[${sentAt.toFixed(3)}] `;
}

const stampPattern = /\[(\d+\.\d{3})\]/g;

/** The send times of every stamp in a piece of text (a relay may merge deltas). */
export function readStamps(text: string): number[] {
  return Array.from(text.matchAll(stampPattern), (match) => Number(match[1]));
}

interface PacedStream {
  response: ServerResponse;
  frames: StreamFrames;
  sent: number;
  count: number;
}

/** How one protocol writes a paced stream: its opening, one text delta, its end. */
interface StreamFrames {
  start(): string;
  delta(text: string): string;
  finish(): string;
}

/** The prompt of a timed turn; the fake streams as many deltas as it names. */
export function loadPrompt(deltaCount: number): string {
  return `load turn of ${deltaCount} deltas`;
}

const loadPromptPattern = /load turn of (\d+) deltas/;

export interface PacedFake {
  url: string;
  /** Streams the fake has started since the last reset; the floor and the server run must match. */
  startedStreams(): number;
  close(): Promise<void>;
}

/**
 * A minimal Anthropic Messages server for load (and OpenAI Chat Completions at
 * `/chat/completions`, for the model-client bench): one ticker paces every open stream together, so
 * the fake's own cost stays flat however many streams are open, and a title request (any request
 * whose system prompt asks for a title) is answered at once.
 */
export async function startPacedFake(): Promise<PacedFake> {
  const streams = new Set<PacedStream>();
  let started = 0;
  const ticker = setInterval(() => {
    for (const stream of streams) writeNextDelta({ stream, streams });
  }, loadTickMs);
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const parsed = JSON.parse(body) as { system?: unknown; messages?: unknown; stream?: unknown };
      if (parsed.stream !== true) {
        // A title request that does not stream gets a JSON message, as from the real API (it was
        // once answered with SSE, so the server's title request failed and fell back).
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(titleMessage()));
        return;
      }
      const frames = request.url?.endsWith('/chat/completions') ? openAIFrames : anthropicFrames;
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(frames.start());
      if (JSON.stringify(parsed.system ?? '').includes('Generate a very short title')) {
        response.write(frames.delta('Load test session'));
        response.end(frames.finish());
        return;
      }
      started += 1;
      const named = loadPromptPattern.exec(JSON.stringify(parsed.messages ?? []))?.[1];
      const stream = { response, frames, sent: 0, count: named ? Number(named) : loadDeltaCount };
      streams.add(stream);
      response.on('close', () => streams.delete(stream));
    });
  });
  server.keepAliveTimeout = 60_000;
  // As the server does: with one listening socket, this busy process (the fake and the client)
  // would accept the server's burst of model connections one per turn of its loop.
  const listening = await listenHttp({ server, host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${listening.port}`,
    startedStreams: () => started,
    async close() {
      clearInterval(ticker);
      await listening.close();
    },
  };
}

function writeNextDelta(options: { stream: PacedStream; streams: Set<PacedStream> }): void {
  const { stream, streams } = options;
  stream.response.write(stream.frames.delta(stampText(performance.now())));
  stream.sent += 1;
  if (stream.sent < stream.count) return;
  streams.delete(stream);
  stream.response.end(stream.frames.finish());
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function messageStart(): unknown {
  return {
    type: 'message_start',
    message: {
      id: 'msg_load',
      type: 'message',
      role: 'assistant',
      model: 'claude-load',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 1 },
    },
  };
}

function titleMessage(): unknown {
  return {
    id: 'msg_load_title',
    type: 'message',
    role: 'assistant',
    model: 'claude-load',
    content: [{ type: 'text', text: 'Load test session' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 40, output_tokens: 4 },
  };
}

function blockStart(): unknown {
  return { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
}

function textDelta(text: string): unknown {
  return { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
}

function finishFrames(): string {
  return (
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    frame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 100 },
    }) +
    frame('message_stop', { type: 'message_stop' })
  );
}

const anthropicFrames: StreamFrames = {
  start: () => frame('message_start', messageStart()) + frame('content_block_start', blockStart()),
  delta: (text) => frame('content_block_delta', textDelta(text)),
  finish: finishFrames,
};

/** Chat Completions chunks as OpenAI streams them, usage in a last chunk of its own. */
const openAIFrames: StreamFrames = {
  start: () => openAIChunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
  delta: (content) => openAIChunk([{ index: 0, delta: { content }, finish_reason: null }]),
  finish: () =>
    openAIChunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
    openAIChunk([], { usage: { prompt_tokens: 20, completion_tokens: 100, total_tokens: 120 } }) +
    'data: [DONE]\n\n',
};

function openAIChunk(choices: unknown[], extra: Record<string, unknown> = {}): string {
  const chunk = { id: 'chatcmpl-load', object: 'chat.completion.chunk', created: 0, model: 'load', choices };
  return `data: ${JSON.stringify({ ...chunk, ...extra })}\n\n`;
}
