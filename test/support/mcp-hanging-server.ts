/**
 * A stdio MCP server that completes the handshake, then never answers `tools/list`, and keeps
 * running when its stdin closes: only a signal ends it. It writes its pid to `MCP_TEST_PID_FILE`,
 * so a test can check that a server whose start-up failed after connecting is not left running.
 */
import { writeFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

if (process.env.MCP_TEST_PID_FILE) writeFileSync(process.env.MCP_TEST_PID_FILE, String(process.pid));
const server = new Server({ name: 'hanging', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => new Promise<never>(() => undefined));
setInterval(() => undefined, 60_000);
await server.connect(new StdioServerTransport());
