import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, test } from 'vitest';
import { subagentCallSummary } from '../subagent-progress.ts';
import { SdkMessageAdapter } from './sdk-message-adapter.ts';
import { ToolOutputStash } from './tool-output-stash.ts';

const roots = ['/srv/data/workspaces/abc', '/real/workspaces/abc'];

function subagentCalls(parent: string, calls: { id: string; name: string; input: unknown }[]): SDKMessage {
  return {
    type: 'assistant',
    message: { role: 'assistant', content: calls.map((call) => ({ type: 'tool_use', ...call })) },
    parent_tool_use_id: parent,
    uuid: 'uuid',
    session_id: 'cli',
  } as unknown as SDKMessage;
}

describe('sub-agent progress', () => {
  test('the latest call of a sub-agent message is progress of its sub-agent call, under its short name', () => {
    const adapter = new SdkMessageAdapter({ stash: new ToolOutputStash(), workspaceRoots: roots });
    const events = adapter.convert(
      subagentCalls('toolu_agent', [
        { id: 'a', name: 'mcp__autopilot__read_file', input: { path: 'notes.md' } },
        { id: 'b', name: 'mcp__autopilot__bash_exec', input: { command: 'npm   test\n-- --run' } },
      ]),
    );
    expect(events).toEqual([
      {
        type: 'subagent-progress',
        toolCallId: 'toolu_agent',
        toolName: 'bash_exec',
        summary: 'npm test -- --run',
      },
    ]);
  });

  test("a nested sub-agent's calls count as progress of the top-level sub-agent call", () => {
    const adapter = new SdkMessageAdapter({ stash: new ToolOutputStash(), workspaceRoots: roots });
    adapter.convert(
      subagentCalls('toolu_top', [{ id: 'toolu_nested', name: 'Agent', input: { description: 'dig' } }]),
    );
    const events = adapter.convert(
      subagentCalls('toolu_nested', [{ id: 'c', name: 'Grep', input: { pattern: 'TODO' } }]),
    );
    expect(events).toEqual([
      { type: 'subagent-progress', toolCallId: 'toolu_top', toolName: 'Grep', summary: 'TODO' },
    ]);
  });

  test('workspace paths read relative to it; every other server path is hidden', () => {
    const summary = (input: unknown) => subagentCallSummary({ input, workspaceRoots: roots });
    expect(summary({ file_path: '/real/workspaces/abc/src/app.ts' })).toBe('src/app.ts');
    expect(summary({ command: 'cat /srv/data/workspaces/abc/a.txt /etc/passwd' })).toBe(
      'cat a.txt <server path>',
    );
    expect(summary({ command: 'ls /srv/data/workspaces/other' })).toBe('ls <server path>');
    expect(summary({ url: 'https://example.com/a' })).toBe('https://example.com/a');
    expect(summary({ command: 'x'.repeat(200) })).toHaveLength(80);
    expect(summary({})).toBe('');
  });

  test('a server path right after a shell operator is hidden too; URLs stay whole', () => {
    const summary = (command: string) => subagentCallSummary({ input: { command }, workspaceRoots: roots });
    expect(summary('sort x>/srv/data/users.db')).toBe('sort x><server path>');
    expect(summary('ls|/srv/data/bin/x;/srv/data/y&&/srv/data/z')).toBe(
      'ls|<server path>;<server path>&&<server path>',
    );
    expect(summary('echo $(</srv/data/secret) {/srv/data/a,/srv/data/b}')).toBe(
      'echo $(<<server path>) {<server path>,<server path>}',
    );
    expect(summary('PATH=/usr/bin:/srv/data/bin curl https://example.com/a/b')).toBe(
      'PATH=<server path>:<server path> curl https://example.com/a/b',
    );
  });
});
