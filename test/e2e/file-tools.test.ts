import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

/** Our tools whose results the request carries, by their bare names (`mcp__autopilot__` dropped). */
function answeredTools(request: FakeRequest): Set<string> {
  const names = new Map(
    request.messages.flatMap((message) => message.toolUses.map((use) => [use.id, use.name])),
  );
  return new Set(
    request.messages.flatMap((message) =>
      message.toolResults.map((result) => (names.get(result.toolUseId) ?? '').replace(/^mcp__\w+__/, '')),
    ),
  );
}

// One tool per model call: Claude Code may run several tool_use blocks of one message in parallel.
const steps = [
  { name: 'write_file', input: { path: 'notes.md', content: 'hello world\n' } },
  { name: 'edit_file', input: { path: 'notes.md', old_text: 'world', new_text: 'autopilot' } },
  { name: 'grep', input: { pattern: 'auto\\w+' } },
  { name: 'delete_file', input: { path: 'old.txt' } },
];

const brain = scriptedBrain([
  {
    when: (request) => request.toolNames.some((name) => name.endsWith('edit_file')),
    reply: (request) => {
      const answered = answeredTools(request);
      const next = steps.find((step) => !answered.has(step.name));
      return next ? toolReply(next) : textReply('All tidy.');
    },
  },
]);

describe.each(['baseline', 'claude'] as const)('the file tools on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('write, edit, grep and delete run in order and leave the workspace as expected', async () => {
    server = await startTestServer({ runtime, brain });
    const sessionId = await createSession(server);
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    await mkdir(workspace, { recursive: true });
    await writeFile(join(workspace, 'old.txt'), 'obsolete');

    const response = await sendMessage(server, { sessionId, text: 'tidy up the notes' });
    const { message, errors } = await parseUIStream(response.body!);

    expect(errors).toEqual([]);
    const parts = (message?.parts ?? []).filter((part) => part.type !== 'step-start');
    expect(parts).toMatchObject([
      {
        type: 'tool-write_file',
        state: 'output-available',
        output: { path: 'notes.md', bytesWritten: 12, appended: false },
      },
      { type: 'tool-edit_file', state: 'output-available', output: { path: 'notes.md', replacements: 1 } },
      {
        type: 'tool-grep',
        state: 'output-available',
        output: { matches: [{ path: 'notes.md', line: 1, text: 'hello autopilot' }], truncated: false },
      },
      { type: 'tool-delete_file', state: 'output-available', output: { path: 'old.txt', deleted: true } },
      { type: 'text', text: 'All tidy.' },
    ]);
    expect(await readdir(workspace)).toEqual(['notes.md']);
    expect(await readFile(join(workspace, 'notes.md'), 'utf8')).toBe('hello autopilot\n');
  });
});
