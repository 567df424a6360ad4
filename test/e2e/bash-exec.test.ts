import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const brain = scriptedBrain([
  { when: (request) => request.toolResults.length > 0, reply: textReply('Done.') },
  {
    when: (request) => request.lastUserText.startsWith('run it'),
    reply: toolReply({
      name: 'bash_exec',
      input: { command: 'echo built > out.txt; cat out.txt; echo warn >&2; exit 4' },
      text: 'Running.',
    }),
  },
]);

describe.each(['baseline', 'claude'] as const)('bash_exec on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('the model runs a command in the sandbox; its exit code and output reach the stream and the disk', async () => {
    server = await startTestServer({ runtime, brain });
    const sessionId = await createSession(server);
    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'run it' })).body!,
    );

    expect(errors).toEqual([]);
    const tool = message?.parts.find((part) => part.type === 'tool-bash_exec');
    expect(tool).toMatchObject({
      state: 'output-available',
      output: { exitCode: 4, stdout: 'built\n', stderr: 'warn\n', timedOut: false, truncated: false },
    });
    const file = join(server.dataDir, 'workspaces', toPathKey(sessionId), 'out.txt');
    expect(await readFile(file, 'utf8')).toBe('built\n');
  });
});
