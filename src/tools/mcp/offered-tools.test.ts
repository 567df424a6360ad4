import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect, test } from 'vitest';
import { createLogger } from '../../util/logger.ts';
import { listAllTools, offeredTools } from './offered-tools.ts';

const logger = createLogger({ level: 'silent' });
const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' as const },
  ...extra,
});

test('every page of tools/list is read, and one tool with a broken output schema costs no other', async () => {
  const pages = [
    {
      tools: [tool('one'), tool('broken', { outputSchema: { type: 'object', $ref: '#/nowhere' } })],
      nextCursor: 'p2',
    },
    { tools: [tool('two')], nextCursor: 'p3' },
    { tools: [tool('three')] },
  ];
  const server = new Server({ name: 'paged', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const index = request.params?.cursor === 'p2' ? 1 : request.params?.cursor === 'p3' ? 2 : 0;
    return pages[index] as never;
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'autopilot', version: '1.0.0' });
  await client.connect(clientSide);
  try {
    const listed = await listAllTools({ client, timeoutMs: 5_000 });
    expect(listed.map((each) => each.name)).toEqual(['one', 'broken', 'two', 'three']);
  } finally {
    await client.close();
  }
});

test("names that could read as another server's, repeats and tools past the limit are left out", () => {
  const listed = [
    tool('_under'),
    tool('under_'),
    tool('a__b'),
    tool('fine_name'),
    tool('fine_name'),
    tool('has space'),
    ...Array.from({ length: 200 }, (_, index) => tool(`t${index}`)),
  ];
  const kept = offeredTools({
    server: 'h',
    listed,
    config: { type: 'stdio', command: 'x', args: [], env: {} },
    logger,
  });
  expect(kept.slice(0, 2).map((each) => each.name)).toEqual(['fine_name', 't0']);
  expect(kept).toHaveLength(128);
  expect(kept.at(-1)?.name).toBe('t126');
});
