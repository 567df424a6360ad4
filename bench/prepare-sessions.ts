import { setTimeout as sleep } from 'node:timers/promises';
import { createSession, sendMessage, type TestServer } from '../test/support/test-server.ts';
import { warmUpText } from './bench-brain.ts';

/** A few warm-up turns at a time shortens set-up; each has its own session, so none is refused with 409. */
const concurrency = 4;
const titleWaitMs = 10_000;

/** All the warm-up needs of a server: its HTTP API. */
type ApiServer = Pick<TestServer, 'api'>;

/**
 * Creates sessions whose first message has already been answered and titled, outside any timed
 * span: a session's first message also fires a background title request at the model, which
 * would otherwise run alongside a timed turn.
 */
export async function prepareSessions(options: { server: ApiServer; count: number }): Promise<string[]> {
  const { server, count } = options;
  const sessionIds: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const sessionId = await createSession(server);
      const response = await sendMessage(server, { sessionId, text: warmUpText });
      if (response.status !== 200) throw new Error(`warm-up message answered ${response.status}`);
      // Reading to the end means the turn has finished and released the session.
      await response.text();
      sessionIds.push(sessionId);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await waitForTitles({ server, sessionIds });
  return sessionIds;
}

async function waitForTitles(options: { server: ApiServer; sessionIds: string[] }): Promise<void> {
  const deadline = performance.now() + titleWaitMs;
  // One at a time: hundreds of parallel GETs would open as many sockets on the server under test.
  for (const sessionId of options.sessionIds) {
    while (!(await hasTitle({ server: options.server, sessionId }))) {
      if (performance.now() > deadline) throw new Error(`session ${sessionId} never got a title`);
      await sleep(20);
    }
  }
}

async function hasTitle(options: { server: ApiServer; sessionId: string }): Promise<boolean> {
  const response = await options.server.api(`/api/sessions/${options.sessionId}?limit=1`);
  if (response.status !== 200) throw new Error(`GET session answered ${response.status}`);
  return ((await response.json()) as { title: string | null }).title !== null;
}
