import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadMcpConfig } from './mcp-config.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autopilot-mcp-config-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function load(content: unknown): Promise<{ servers: unknown; problems: string[] }> {
  const path = join(dir, 'mcp.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  const problems: string[] = [];
  return { servers: loadMcpConfig({ path, problems }), problems };
}

test('reads the mcpServers shape of Claude Desktop and Claude Code: stdio and streamable HTTP', async () => {
  const { servers, problems } = await load({
    mcpServers: {
      files: { command: 'npx', args: ['-y', 'some-server'], env: { TOKEN: 'x' }, deniedTools: ['delete'] },
      remote: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { authorization: 'Bearer y' } },
    },
  });
  expect(problems).toEqual([]);
  expect(servers).toEqual({
    files: {
      type: 'stdio',
      command: 'npx',
      args: ['-y', 'some-server'],
      env: { TOKEN: 'x' },
      deniedTools: ['delete'],
    },
    remote: {
      type: 'http',
      url: 'https://mcp.example.com/mcp',
      headers: { authorization: 'Bearer y' },
    },
  });
});

test.each([
  ['not JSON', '{mcpServers:', /not a readable JSON file/],
  ['no mcpServers', { servers: {} }, /mcpServers/],
  ['a server name with __', { mcpServers: { a__b: { command: 'x' } } }, /mcpServers\.a__b/],
  ['a server without a command or url', { mcpServers: { a: { args: [] } } }, /mcpServers\.a/],
  ['an unknown field', { mcpServers: { a: { command: 'x', cwd: '/' } } }, /mcpServers\.a/],
  ['a non-http url', { mcpServers: { a: { type: 'http', url: 'file:///etc/passwd' } } }, /mcpServers\.a/],
])('%s is a configuration problem', async (_label, content, problem) => {
  const { servers, problems } = await load(content);
  expect(servers).toEqual({});
  expect(problems.join('\n')).toMatch(problem);
});

test('a missing file is a problem, and no file configured means no servers', () => {
  const problems: string[] = [];
  expect(loadMcpConfig({ path: join(dir, 'missing.json'), problems })).toEqual({});
  expect(problems).toHaveLength(1);
  expect(loadMcpConfig({ path: undefined, problems: [] })).toEqual({});
});
