import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cappedFetch } from './mcp-transport.ts';

const megabyte = 1024 * 1024;
let server: Server;
let url = '';

/** `/many`: 20 events of 1 MB; `/one`: one event of 11 MB; `/json`: 11 MB of JSON. */
beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ text: 'x'.repeat(11 * megabyte) }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const events = request.url === '/many' ? Array.from({ length: 20 }, () => megabyte) : [11 * megabyte];
    for (const size of events) response.write(`event: message\r\ndata: ${'x'.repeat(size)}\r\n\r\n`);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('an event stream is capped event by event: many small events pass, one huge event fails', async () => {
  // The long-lived stream the SDK opens with GET, where a call's answer can also arrive.
  const many = await (await cappedFetch(`${url}/many`, { method: 'GET' })).text();
  expect(many.length).toBeGreaterThan(20 * megabyte);
  await expect((await cappedFetch(`${url}/one`, { method: 'GET' })).text()).rejects.toThrow(/over 10 MB/);
});

test('a JSON answer is capped whole', async () => {
  const post = { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call' }) };
  await expect((await cappedFetch(`${url}/json`, post)).text()).rejects.toThrow(/over 10 MB/);
});
