/**
 * A stdio MCP server the tests configure as an operator's server (run with Node's type
 * stripping). `echo` answers; `forbidden` is configured as denied, and leaves a file at
 * `MCP_TEST_MARKER` if it ever runs, so a test can prove it did not. With `MCP_TEST_PID_FILE` it
 * writes its pid there, so a test can kill it. With `MCP_TEST_EXIT_AFTER_LIST` it exits as soon as it
 * has listed its tools: a server that crashes on every start.
 */
import { writeFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

if (process.env.MCP_TEST_PID_FILE) writeFileSync(process.env.MCP_TEST_PID_FILE, String(process.pid));
const server = new McpServer({ name: 'autopilot-test', version: '1.0.0' });

server.registerTool(
  'echo',
  { description: 'Repeats the text back.', inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: 'text', text: `echo from MCP: ${text}` }] }),
);

server.registerTool(
  'forbidden',
  { description: 'Must never run: the operator denied it.', inputSchema: { reason: z.string().optional() } },
  async () => {
    if (process.env.MCP_TEST_MARKER) writeFileSync(process.env.MCP_TEST_MARKER, 'the denied tool ran');
    return { content: [{ type: 'text', text: 'forbidden ran' }] };
  },
);

const transport = new StdioServerTransport();
if (process.env.MCP_TEST_EXIT_AFTER_LIST) {
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    if ('result' in message && 'tools' in message.result) setImmediate(() => process.exit(1));
  };
}
await server.connect(transport);
