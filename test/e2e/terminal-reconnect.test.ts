import { afterEach, describe, expect, test } from 'vitest';
import { ApiClient } from '../../src/cli/api-client.ts';
import { sendMessage } from '../../src/cli/chat-turn.ts';
import { asks, titleRule } from '../support/chat-rules.ts';
import { type CuttingProxy, startCuttingProxy } from '../support/cutting-proxy.ts';
import { scriptedBrain } from '../support/fake-model/index.ts';
import { pressableInterrupts, recordingTerminal } from '../support/recording-terminal.ts';
import { createSession, startTestServer, type TestServer } from '../support/test-server.ts';

let server: TestServer | undefined;
let proxy: CuttingProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await server?.close();
  server = undefined;
});

function chatOptions(options: { sessionId: string; url: string }) {
  const client = new ApiClient({ url: options.url, token: null });
  return {
    client,
    terminal: recordingTerminal(),
    interrupts: pressableInterrupts(),
    sessionId: options.sessionId,
  };
}

describe('the terminal chat client when the connection drops', () => {
  /** Sends a message whose stream the proxy cuts after the first line; the answer streams at `chunkDelayMs`. */
  async function sendThroughCut(options: { answer: string; chunkDelayMs: number }) {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        {
          when: asks('tell me'),
          reply: {
            kind: 'message',
            blocks: [{ type: 'text', text: options.answer }],
            chunkDelayMs: options.chunkDelayMs,
          },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const cutting = await startCuttingProxy({ target: server.url, cutAfter: 'first line' });
    proxy = cutting;
    const chat = chatOptions({ sessionId, url: cutting.url });
    const outcome = await sendMessage({ ...chat, text: 'tell me' });
    return { outcome, output: chat.terminal.output, seen: cutting.seen };
  }

  test('a stream that drops mid-turn is rejoined from its start, and nothing is printed twice', async () => {
    // Long enough (about 1 s at this pace) that the turn still runs when the client rejoins.
    const answer = `The first line of the answer.\nThe second line, after the cut, ${'goes on and on '.repeat(40).trim()}.`;
    const result = await sendThroughCut({ answer, chunkDelayMs: 40 });

    expect(result.outcome.status).toBe('completed');
    expect(result.seen).toEqual(['POST /messages (cut)', 'GET /stream']);
    expect(result.output).toBe(`${answer}\n`);
  });

  test('a turn that ended while the connection was down is shown from the stored conversation', async () => {
    const answer = 'The first line of the answer.\nA short end.';
    const result = await sendThroughCut({ answer, chunkDelayMs: 20 });

    // Usually the turn has ended by the time the client looks again; if not, it rejoins: both show it whole.
    expect(result.outcome.status).toBe('completed');
    expect(result.output).toBe(`${answer}\n`);
  });
});
