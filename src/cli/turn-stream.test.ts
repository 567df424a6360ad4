import { describe, expect, test } from 'vitest';
import { createStyle } from './terminal-text.ts';
import { renderTurnStream } from './turn-stream.ts';
import { TurnView } from './turn-view.ts';

const chunks = [
  { type: 'start', messageId: 'turn-1' },
  { type: 'start-step' },
  { type: 'text-start', id: 't1' },
  { type: 'text-delta', id: 't1', delta: 'Hello **wor' },
  { type: 'text-delta', id: 't1', delta: 'ld**\nsecond ' },
  { type: 'text-delta', id: 't1', delta: 'line' },
  { type: 'text-end', id: 't1' },
  { type: 'tool-input-start', toolCallId: 'c1', toolName: 'read_file' },
  { type: 'tool-input-available', toolCallId: 'c1', toolName: 'read_file', input: { path: 'a.md' } },
  { type: 'tool-output-available', toolCallId: 'c1', output: 'text' },
  { type: 'finish-step' },
  {
    type: 'data-error',
    data: { code: 'transient_api_error', retryable: true, message: 'The model is busy.' },
  },
  { type: 'error', errorText: 'The model is busy.' },
  { type: 'finish' },
];

/** An SSE body as the server sends it, cut into pieces at awkward places. */
function bodyOf(events: unknown[]): ReadableStream<Uint8Array> {
  const text = `: connected\n\n${events.map((event, index) => `id: ${index + 1}\ndata: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 7)
        controller.enqueue(bytes.slice(offset, offset + 7));
      controller.close();
    },
  });
}

function recordingView() {
  const terminal = {
    output: '',
    write: (text: string) => {
      terminal.output += text;
    },
    isTTY: false,
    styled: false,
    style: createStyle({ color: false }),
    columns: () => 80,
  };
  return { terminal, view: new TurnView(terminal) };
}

describe('renderTurnStream', () => {
  test('renders text, tool rows and a retryable error from the official parser, each once', async () => {
    const { terminal, view } = recordingView();
    await renderTurnStream({ body: bodyOf(chunks), view });
    const expected =
      'Hello **world**\nsecond line\n\n✓ read_file a.md\n✗ The model is busy. This is temporary: try again.\n';
    expect(terminal.output).toBe(expected);

    // A rejoin replays the turn from its start: nothing is printed twice.
    await renderTurnStream({ body: bodyOf(chunks), view });
    expect(terminal.output).toBe(expected);
    expect(view.finish()).toEqual({
      status: 'failed',
      error: { message: 'The model is busy.', retryable: true },
    });
  });

  test('a chunk the schema rejects is skipped; a stream cut short is an incomplete turn', async () => {
    const { terminal, view } = recordingView();
    const cut = [chunks[0], { type: 'text-delta', id: 42 }, ...chunks.slice(1, 5)];
    await renderTurnStream({ body: bodyOf(cut), view });
    expect(view.ended).toBe(false);
    expect(view.finish().status).toBe('incomplete');
    expect(terminal.output).toBe('Hello **world**\nsecond \n');
  });

  test('a stream that breaks the protocol (a delta of a part never started) is a failed turn, not a completed one', async () => {
    const { terminal, view } = recordingView();
    const broken = [chunks[0], { type: 'text-delta', id: 'nowhere', delta: 'orphan' }, { type: 'finish' }];
    await renderTurnStream({ body: bodyOf(broken), view });
    expect(view.finish()).toMatchObject({ status: 'failed' });
    expect(terminal.output).toContain('✗ The answer could not be read');
  });

  test('pinned to its turn, a view ignores another turn: its text, its error and its end', async () => {
    const { terminal, view } = recordingView();
    await renderTurnStream({ body: bodyOf(chunks.slice(0, 5)), view });
    view.pin();
    const other = chunks.map((chunk) => (chunk.type === 'start' ? { ...chunk, messageId: 'turn-2' } : chunk));
    await renderTurnStream({ body: bodyOf(other), view });

    expect(view.sawOtherTurn).toBe(true);
    expect(view.ended).toBe(false);
    expect(terminal.output).toBe('Hello **world**\n');
    view.endedElsewhere();
    expect(view.finish()).toEqual({ status: 'completed', error: null });
  });
});
