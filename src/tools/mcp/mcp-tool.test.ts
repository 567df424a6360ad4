import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { contextWithoutWorkspace } from '../tool-test-workspace.ts';
import { createMcpTool, maxArgumentBytes, toZodSchema } from './mcp-tool.ts';

const context = contextWithoutWorkspace();

describe('toZodSchema', () => {
  test("the server's regular expressions are never run on the model's text", () => {
    const schema = toZodSchema({
      type: 'object',
      properties: {
        name: { type: 'string', pattern: '^(a+)+$' },
        tags: { type: 'object', patternProperties: { '^(b+)+$': { type: 'string' } } },
      },
      required: ['name'],
    });
    expect(JSON.stringify(z.toJSONSchema(schema))).not.toMatch(/pattern/i);
    // Backtracking on this took seconds at 29 characters, doubling with each one more.
    expect(schema.safeParse({ name: `${'a'.repeat(40)}b` }).success).toBe(true);
  });

  test('a property called "pattern" is a property like any other', () => {
    const schema = toZodSchema({
      type: 'object',
      properties: { pattern: { type: 'string', description: 'What to look for' } },
      required: ['pattern'],
    });
    expect(schema.safeParse({}).success).toBe(false);
    expect(z.toJSONSchema(schema)).toMatchObject({ properties: { pattern: { type: 'string' } } });
    // Values are values: a default that holds a "pattern" key keeps it.
    const withDefault = toZodSchema({
      type: 'object',
      properties: { filter: { type: 'object', default: { pattern: '*.ts' } } },
    });
    expect(withDefault.parse({})).toEqual({ filter: { pattern: '*.ts' } });
  });

  test('a schema zod cannot read still names its properties, and passes every key on', () => {
    const schema = toZodSchema({
      type: 'object',
      allOf: [
        { properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] },
        { properties: { days: { type: 'integer' } } },
      ],
      not: { properties: { days: { const: 0 } }, required: ['days'] },
    });
    expect(z.toJSONSchema(schema)).toMatchObject({
      properties: { city: { type: 'string', description: 'The city' }, days: { type: 'integer' } },
    });
    expect(schema.safeParse({ city: 'Paris', extra: true })).toEqual({
      success: true,
      data: { city: 'Paris', extra: true },
    });
  });
});

/** A real client and server, linked in memory; the server answers `tools/call` with `content`. */
async function toolOn(content: unknown[] | (() => never), secrets: string[] = []) {
  const server = new Server({ name: 'test', version: '1.0.0' }, { capabilities: { tools: {} } });
  const calls: unknown[] = [];
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    calls.push(request.params.arguments);
    if (typeof content === 'function') return content();
    return { content } as never;
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'autopilot', version: '1.0.0' });
  await client.connect(clientSide);
  const tool = createMcpTool({
    server: 'docs',
    remote: { name: 'lookup', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
    client: () => client,
    callTimeoutMs: 5_000,
    secrets,
  });
  return { tool, calls, close: () => client.close() };
}

describe('an MCP tool call', () => {
  test('passes on embedded resources and resource links; names images', async () => {
    const { tool, close } = await toolOn([
      { type: 'resource', resource: { uri: 'file:///notes.md', mimeType: 'text/markdown', text: '# Notes' } },
      { type: 'resource_link', uri: 'https://example.com/spec', name: 'spec' },
      { type: 'image', data: 'AAAA', mimeType: 'image/png' },
    ]);
    try {
      expect(await tool.execute({ q: 'x' }, context)).toEqual({
        output:
          '[resource file:///notes.md]\n# Notes\n[resource link: spec https://example.com/spec]\n[image: image/png]',
        isError: false,
      });
    } finally {
      await close();
    }
  });

  test("an error that echoes the operator's configured token says so without it", async () => {
    const token = 'Bearer sk-live-0123456789abcdef';
    const { tool, close } = await toolOn(() => {
      throw new Error(`502 from the gateway; your request had authorization: ${token}`);
    }, [token, 'sk-live-0123456789abcdef']);
    try {
      const failure = await tool.execute({ q: 'x' }, context).catch((error: Error) => error.message);
      expect(failure).toContain('authorization: [redacted]');
      expect(failure).not.toContain('sk-live');
    } finally {
      await close();
    }
  });

  test('arguments too large for the connection are refused before they are sent', async () => {
    const { tool, calls, close } = await toolOn([{ type: 'text', text: 'ran' }]);
    try {
      await expect(tool.execute({ q: 'x'.repeat(maxArgumentBytes) }, context)).rejects.toThrow(
        /at most 4194304 can be sent/,
      );
      expect(calls).toEqual([]);
      expect(await tool.execute({ q: 'small' }, context)).toEqual({ output: 'ran', isError: false });
    } finally {
      await close();
    }
  });
});
