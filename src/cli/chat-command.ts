import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadClientConfig } from '../config/config.ts';
import { messageRefusal } from '../protocol/index.ts';
import { isAppError } from '../util/app-error.ts';
import { ApiClient, sessionIdSchema } from './api-client.ts';
import { asPasted } from './bracketed-paste.ts';
import { type ChatTurnOptions, type Interrupts, joinRunningTurn, sendMessage } from './chat-turn.ts';
import { followNextTurn, overSpinner } from './follow-turns.ts';
import { createPromptReader, type PromptReader } from './prompt-reader.ts';
import {
  drawEndedTurn,
  type FailedMessage,
  readNextTurn,
  type SessionRecap,
  showSessionRecap,
  userLine,
} from './session-recap.ts';
import { stdoutTerminal, type Terminal } from './terminal.ts';
import { failureLine, type TurnOutcome } from './turn-view.ts';

const exitCodes: Record<TurnOutcome['status'], number> = {
  completed: 0,
  failed: 2,
  incomplete: 2,
  stopped: 130,
};

/** `autopilot chat [--session ID | --continue] [--url URL] [message]`. */
export async function chatCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      session: { type: 'string' },
      continue: { type: 'boolean', short: 'c' },
      url: { type: 'string' },
    },
  });
  if (values.session !== undefined && values.continue) {
    process.stderr.write('Give --session ID or --continue, not both.\n');
    return 2;
  }
  const message = positionals.join(' ');
  if (positionals.length > 0 && message.trim() === '') {
    // An empty "$VARIABLE" in a script must not turn into reading stdin as chat messages.
    process.stderr.write(
      'The message is empty. Run "autopilot chat" without one for the interactive prompt.\n',
    );
    return 2;
  }
  const client = new ApiClient(loadClientConfig(env, { url: values.url }));
  const terminal = stdoutTerminal(env);
  let sessionId = values.session;
  /** The session named does not exist (or is another user's): it is not offered to continue. */
  let sessionMissing = false;
  let told = false;
  const tellSession = () => {
    if (told || !sessionId || sessionMissing) return;
    told = true;
    process.stderr.write(`(session ${sessionId}; continue with --session ${sessionId})\n`);
  };
  // Also when the output's reader left (`| head`) and the process ends at once (`closed-output.ts`).
  process.once('exit', tellSession);
  // A second Ctrl-C leaves at once, past the `finally` below: the session is told on the way out.
  const interrupts = processInterrupts({ beforeExit: tellSession });
  try {
    if (values.continue) {
      sessionId = await latestSession(client);
      if (!sessionId) process.stderr.write('(no session to continue: this starts a new one)\n');
    }
    if (message.trim() !== '') {
      // Refused here, as the server would refuse it: no session is made for a message that cannot be sent.
      const refusal = messageRefusal({ text: message, fileCount: 0 });
      if (refusal) {
        process.stderr.write(`${refusal.message}\n`);
        return 2;
      }
      sessionId ??= await createSession(client);
      const outcome = await sendMessage({ client, terminal, interrupts, sessionId, text: message });
      sessionMissing = outcome.error?.code === 'not_found';
      return exitCodes[outcome.status];
    }
    const reader = createPromptReader({
      input: process.stdin,
      // With the conversation going to a file or a pipe, the prompt and its echo stay on the terminal.
      output: process.stdout.isTTY ? process.stdout : process.stderr,
      prompt: terminal.style.accent('› '),
    });
    try {
      let recap: SessionRecap | null = null;
      if (process.stdin.isTTY) {
        // Someone at the prompt picks a conversation up again: they see where it stood.
        if (sessionId) recap = await recapOrNotice({ client, terminal, sessionId });
        terminal.write(terminal.style.dim('Enter sends · Ctrl-C stops a turn · Ctrl-D quits\n'));
      }
      return await chatLoop({
        client,
        terminal,
        interrupts,
        sessionId,
        recap,
        reader,
        onSession: (id) => (sessionId = id),
      });
    } catch (error) {
      sessionMissing = isAppError(error) && error.code === 'not_found';
      throw error;
    } finally {
      reader.close();
    }
  } finally {
    interrupts.dispose();
    process.removeListener('exit', tellSession);
    tellSession();
  }
}

/** The interactive prompt: joins a running turn first, then sends each line entered as a message. */
export async function chatLoop(
  options: Omit<ChatTurnOptions, 'sessionId'> & {
    sessionId?: string;
    /**
     * What the recap found: a turn it left out as running has its stored answer shown if it ended
     * before the join; a last message that failed for a reason that may pass waits at the prompt.
     */
    recap?: SessionRecap | null;
    reader: PromptReader;
    /** Called once the session exists (it is created with the first message). */
    onSession: (sessionId: string) => void;
  },
): Promise<number> {
  const { client, reader } = options;
  let sessionId = options.sessionId;
  let prefill: string | undefined;
  /**
   * The message that failed for a reason that may pass: sending it unchanged sends it again under
   * its own id (a stored one runs again) instead of storing it twice.
   */
  let failedMessage: (FailedMessage & { stored: boolean }) | undefined;
  if (sessionId) {
    const id = sessionId;
    // The turn the recap left out as running may have ended before the join: then its stored
    // answer comes first, and the turn now running (if any) answers the messages that waited.
    const recapped = options.recap?.runningTurnId ?? null;
    const showRecapped = async (over: boolean) => {
      if (recapped === null) return;
      let text = await drawEndedTurn({ ...options, sessionId: id, turnId: recapped });
      for (const waiting of options.recap?.waiting ?? []) text += `${userLine(options.terminal, waiting)}\n`;
      if (over) overSpinner(options.terminal, text);
      else options.terminal.write(text);
    };
    const followed = new Set<string>();
    const joined = await joinRunningTurn({
      ...options,
      sessionId: id,
      beforeTurn: async (turnId) => {
        followed.add(turnId);
        if (turnId === recapped || !options.recap) return;
        if (recapped !== null) return showRecapped(true);
        // Nothing ran at the recap: a turn started since, for messages that waited or another
        // client's. Its questions come first.
        const next = await readNextTurn({ ...options, sessionId: id });
        if (next?.turnId === turnId) overSpinner(options.terminal, next.questions);
      },
    });
    if (!joined) await showRecapped(false);
    // Messages that waited for it (sent from another client) are answered by the turns after it:
    // each is followed too, after its question.
    let outcome = joined;
    while (outcome && outcome.status !== 'stopped') {
      outcome = await followNextTurn({ ...options, sessionId: id, followed });
    }
    // Only when nothing ran: after followed turns, the failed message is no longer the last one.
    if (!joined && options.recap?.failedMessage) {
      failedMessage = { ...options.recap.failedMessage, stored: true };
      prefill = failedMessage.text;
    }
  }
  for (;;) {
    const line = await reader.read({ prefill });
    if (line === null) return 0;
    if (line.trim() === '') continue;
    if (!sessionId) {
      // As for any message that could not be sent: told, and left at the prompt to send again.
      const tell = (error: { message: string; retryable: boolean }) => {
        options.terminal.write(`${failureLine({ style: options.terminal.style, error })}\n`);
        prefill = line;
      };
      const refusal = messageRefusal({ text: line, fileCount: 0 });
      if (refusal) {
        tell({ message: refusal.message, retryable: false });
        continue;
      }
      try {
        sessionId = await createSession(client);
      } catch (error) {
        if (!isAppError(error)) throw error;
        tell(error);
        continue;
      }
      options.onSession(sessionId);
    }
    // As the prompt gave it back: without the control characters and trailing breaks of the stored text.
    const again =
      failedMessage !== undefined && line === asPasted(failedMessage.text) ? failedMessage : undefined;
    const outcome = await sendMessage({ ...options, sessionId, text: line, again });
    // A temporary failure: the same message waits at the prompt, Enter sends it again. So does one
    // that newer messages overtook before it could run again: Enter then sends it as a new message.
    const overtaken = outcome.error?.code === 'message_not_last';
    // A retry refused while another client's turn runs is the same message still, to retry once it ends.
    const keep =
      outcome.error?.retryable || (again !== undefined && outcome.error?.code === 'turn_in_progress');
    prefill = keep || overtaken ? line : undefined;
    failedMessage = keep
      ? { text: line, id: outcome.messageId, stored: outcome.accepted || again?.stored === true }
      : undefined;
  }
}

/**
 * The recap, as a courtesy: a conversation it cannot draw can still be continued, and the session
 * is still there to join. A refusal from the server (no such session) is not a courtesy, and stops.
 */
async function recapOrNotice(options: {
  client: ApiClient;
  terminal: Terminal;
  sessionId: string;
}): Promise<SessionRecap | null> {
  try {
    return await showSessionRecap(options);
  } catch (error) {
    if (isAppError(error)) throw error;
    options.terminal.write(options.terminal.style.dim('(the conversation so far could not be shown)\n'));
    return null;
  }
}

/** The session changed most recently, which `--continue` picks up; undefined when there is none. */
async function latestSession(client: ApiClient): Promise<string | undefined> {
  const list = await client.json({
    method: 'GET',
    path: '/api/sessions?limit=1',
    schema: z.object({ sessions: z.array(z.object({ id: sessionIdSchema })) }),
  });
  return list.sessions[0]?.id;
}

async function createSession(client: ApiClient): Promise<string> {
  const created = await client.json({
    method: 'POST',
    path: '/api/sessions',
    body: {},
    schema: z.object({ id: sessionIdSchema }),
  });
  return created.id;
}

/** SIGINT goes to the running turn, if any; otherwise it ends the command as usual. */
function processInterrupts(options: { beforeExit: () => void }): Interrupts & { dispose(): void } {
  let handler: (() => void) | null = null;
  const exit = (code: number) => {
    options.beforeExit();
    process.exit(code);
  };
  const onSignal = () => {
    if (handler) return handler();
    process.stdout.write('\n');
    exit(130);
  };
  process.on('SIGINT', onSignal);
  return {
    capture(next) {
      handler = next;
      return () => {
        if (handler === next) handler = null;
      };
    },
    exit,
    dispose: () => process.off('SIGINT', onSignal),
  };
}
