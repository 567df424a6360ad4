import type { SessionSummary, StreamChunk } from '../protocol/index.ts';
import type { ApiClient } from './api-client.ts';
import { readSseData } from './sse-frames.ts';

export interface Terminal {
  write(text: string): void;
  error(text: string): void;
  isTTY: boolean;
}

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Sends one message and renders the turn as it streams: text as it arrives, a row per tool call. */
export async function runChat(options: {
  client: ApiClient;
  terminal: Terminal;
  sessionId?: string;
  message: string;
}): Promise<{ sessionId: string; ok: boolean }> {
  const { client, terminal } = options;
  const sessionId =
    options.sessionId ??
    (await client.json<SessionSummary>({ method: 'POST', path: '/api/sessions', body: {} })).id;
  const response = await client.request({
    method: 'POST',
    path: `/api/sessions/${encodeURIComponent(sessionId)}/messages`,
    body: { text: options.message },
  });
  if (!response.body) throw new Error('The server sent no stream.');

  const tools = new Map<string, string>();
  let ok = true;
  let spinner: NodeJS.Timeout | undefined;
  const stopSpinner = () => {
    if (!spinner) return;
    clearInterval(spinner);
    spinner = undefined;
    terminal.write('\r\x1b[2K');
  };
  const startSpinner = (label: string) => {
    if (!terminal.isTTY) return;
    stopSpinner();
    let frame = 0;
    spinner = setInterval(
      () => terminal.write(`\r${spinnerFrames[frame++ % spinnerFrames.length]} ${label}`),
      80,
    );
  };

  try {
    for await (const data of readSseData(response.body)) {
      const chunk = data as StreamChunk;
      switch (chunk.type) {
        case 'text-delta':
          stopSpinner();
          terminal.write(chunk.delta);
          break;
        case 'text-end':
          terminal.write('\n');
          break;
        case 'tool-input-available':
          tools.set(chunk.toolCallId, chunk.toolName);
          startSpinner(`${chunk.toolName} ${summarise(chunk.input)}`);
          break;
        case 'tool-output-available':
          stopSpinner();
          terminal.write(`  ✓ ${tools.get(chunk.toolCallId) ?? 'tool'}\n`);
          break;
        case 'tool-output-error':
          stopSpinner();
          terminal.write(`  ✗ ${tools.get(chunk.toolCallId) ?? 'tool'}: ${chunk.errorText}\n`);
          break;
        case 'data-system':
          terminal.write(`— ${chunk.data.message}\n`);
          break;
        case 'error':
          stopSpinner();
          ok = false;
          terminal.error(`Error: ${chunk.errorText}\n`);
          break;
        default:
          break;
      }
    }
  } finally {
    stopSpinner();
  }
  return { sessionId, ok };
}

function summarise(input: unknown): string {
  const text = JSON.stringify(input) ?? '';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
