import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const brain = scriptedBrain([{ when: () => true, reply: textReply('Noted.') }]);
const outsideCanary = 'OUTSIDE-CANARY-4f2a9c';
const dataDirCanary = 'DATADIR-CANARY-81be07';
/**
 * File mentions (`@path` in a prompt) make the CLI read a file itself, with no tool call: the
 * kind of feature the confinement is there for. Turned back on here, whatever the defaults say.
 */
const mentionsOn = { CLAUDE_CODE_DISABLE_FILE_MENTIONS: null };

describe('the Claude Code process under bubblewrap', () => {
  let server: TestServer | undefined;
  let outside = '';
  beforeEach(async () => {
    outside = await mkdtemp(join(tmpdir(), 'autopilot-outside-'));
    await writeFile(join(outside, 'canary.txt'), `${outsideCanary}\n`);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(outside, { recursive: true, force: true });
  });

  const mentionBoth = async (env: Record<string, string>) => {
    server = await startTestServer({
      runtime: 'claude',
      brain,
      env,
      claudeTestOptions: { environmentOverrides: mentionsOn, interpretsUserText: true },
    });
    const inDataDir = join(server.dataDir, 'planted');
    await mkdir(inDataDir);
    await writeFile(join(inDataDir, 'canary.txt'), `${dataDirCanary}\n`);
    const sessionId = await createSession(server);
    const text = `Summarise @${join(outside, 'canary.txt')} and @${join(inDataDir, 'canary.txt')} please`;
    const { errors } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
    expect(errors).toEqual([]);
    return JSON.stringify(server.fake.requests);
  };

  test('a mention of a file outside the workspace reads nothing', async () => {
    const sent = await mentionBoth({ AUTOPILOT_AGENT_SANDBOX: 'required' });
    expect(sent).toContain('Summarise');
    expect(sent).not.toContain(outsideCanary);
    expect(sent).not.toContain(dataDirCanary);
  });

  test('control: unconfined, the same mention reaches the model (so the test above can fail)', async () => {
    const sent = await mentionBoth({ AUTOPILOT_AGENT_SANDBOX: 'off' });
    expect(sent).toContain(outsideCanary);
  });
});
