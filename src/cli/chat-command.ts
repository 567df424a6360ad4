import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/config.ts';
import type { SessionSummary } from '../protocol/index.ts';
import { ApiClient } from './api-client.ts';
import { type ChatTurnOptions, type Interrupts, joinRunningTurn, sendMessage } from './chat-turn.ts';
import { createPromptReader, type PromptReader } from './prompt-reader.ts';
import { stdoutTerminal } from './terminal.ts';
import type { TurnOutcome } from './turn-view.ts';

const exitCodes: Record<TurnOutcome['status'], number> = {
  completed: 0,
  failed: 2,
  incomplete: 2,
  stopped: 130,
};

/** `autopilot chat [--session ID] [--url URL] [message]`. */
export async function chatCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { session: { type: 'string' }, url: { type: 'string' } },
  });
  const client = new ApiClient(loadClientConfig(env, { url: values.url }));
  const terminal = stdoutTerminal(env);
  const interrupts = processInterrupts();
  const message = positionals.join(' ');
  let sessionId = values.session;
  try {
    if (message.trim() !== '') {
      sessionId ??= await createSession(client);
      const outcome = await sendMessage({ client, terminal, interrupts, sessionId, text: message });
      return exitCodes[outcome.status];
    }
    const reader = createPromptReader({
      input: process.stdin,
      output: process.stdout,
      prompt: terminal.style.accent('› '),
    });
    try {
      if (process.stdin.isTTY) {
        terminal.write(terminal.style.dim('Enter sends · Ctrl-C stops a turn · Ctrl-D quits\n'));
      }
      return await chatLoop({
        client,
        terminal,
        interrupts,
        sessionId,
        reader,
        onSession: (id) => (sessionId = id),
      });
    } finally {
      reader.close();
    }
  } finally {
    interrupts.dispose();
    if (sessionId) process.stderr.write(`(session ${sessionId}; continue with --session ${sessionId})\n`);
  }
}

/** The interactive prompt: joins a running turn first, then sends each line entered as a message. */
export async function chatLoop(
  options: Omit<ChatTurnOptions, 'sessionId'> & {
    sessionId?: string;
    reader: PromptReader;
    /** Called once the session exists (it is created with the first message). */
    onSession: (sessionId: string) => void;
  },
): Promise<number> {
  const { client, reader } = options;
  let sessionId = options.sessionId;
  if (sessionId) await joinRunningTurn({ ...options, sessionId });
  let prefill: string | undefined;
  for (;;) {
    const line = await reader.read({ prefill });
    if (line === null) return 0;
    if (line.trim() === '') continue;
    if (!sessionId) {
      sessionId = await createSession(client);
      options.onSession(sessionId);
    }
    const outcome = await sendMessage({ ...options, sessionId, text: line });
    // A temporary failure: the same message waits at the prompt, Enter sends it again.
    prefill = outcome.error?.retryable ? line : undefined;
  }
}

async function createSession(client: ApiClient): Promise<string> {
  return (await client.json<SessionSummary>({ method: 'POST', path: '/api/sessions', body: {} })).id;
}

/** SIGINT goes to the running turn, if any; otherwise it ends the command as usual. */
function processInterrupts(): Interrupts & { dispose(): void } {
  let handler: (() => void) | null = null;
  const onSignal = () => {
    if (handler) return handler();
    process.stdout.write('\n');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  return {
    capture(next) {
      handler = next;
      return () => {
        if (handler === next) handler = null;
      };
    },
    exit: (code) => process.exit(code),
    dispose: () => process.off('SIGINT', onSignal),
  };
}
