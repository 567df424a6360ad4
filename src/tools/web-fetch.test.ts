import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
// Aliased: Biome takes any `use…` call for a React hook.
import { useToolWorkspace as setUpToolWorkspace } from './tool-test-workspace.ts';
import type { HostResolver } from './web/host-resolver.ts';
import { systemResolver } from './web/host-resolver.ts';
import { createWebFetch, type WebFetch } from './web-fetch.ts';

async function listen(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A server that must never be reached: it records every request. */
function recordingServer(hits: string[]): Server {
  return createServer((request, response) => {
    hits.push(`${request.socket.localAddress} ${request.url}`);
    response.end('secret internal data');
  });
}

const hits: string[] = [];
const recorders: Server[] = [];
let recorderPort = 0;
let pageServer: Server;
let pagePort = 0;
const lookups: string[] = [];

const page = `<!doctype html><html><head><title>Test page</title><script>steal()</script></head>
<body><nav>menu</nav><article><h1>Bridges of Königsberg</h1>
<p>Euler showed in 1736 that no walk crosses each of the seven bridges exactly once. This paragraph is long enough
for Readability to treat it as the article's content, which is what the model should read.</p>
<p>See <a href="/more">the follow-up</a>.</p></article></body></html>`;

beforeAll(async () => {
  // The same port on both loopback families, so every loopback spelling aims at a recorder.
  const v4 = recordingServer(hits);
  recorderPort = await listen(v4, '127.0.0.1');
  const v6 = recordingServer(hits);
  await listen(v6, '::1', recorderPort);
  recorders.push(v4, v6);
  pageServer = createServer((request, response) => {
    lookups.push(`page ${request.url}`);
    if (request.url?.startsWith('/redirect?to=')) {
      response.writeHead(302, { location: decodeURIComponent(request.url.slice('/redirect?to='.length)) });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  pagePort = await listen(pageServer, '127.0.0.1');
  // Where a second lookup of rebind.example would lead: the page's port on another loopback address.
  const rebindTarget = recordingServer(hits);
  await listen(rebindTarget, '::1', pagePort);
  recorders.push(rebindTarget);
});
afterAll(async () => {
  for (const server of [...recorders, pageServer]) await new Promise((resolve) => server.close(resolve));
});

let rebindAnswers = 0;
/** Test names; anything else goes to the system resolver (so `localhost` is resolved for real). */
const testResolver: HostResolver = async (hostname) => {
  lookups.push(hostname);
  const fixed: Record<string, string[]> = {
    'private.example': ['10.0.0.5'],
    'loopback.example': ['127.0.0.1'],
    'metadata.example': ['169.254.169.254'],
    'v6-private.example': ['fd00::1'],
    'mixed.example': ['93.184.216.34', '127.0.0.1'],
    'mapped.example': ['::ffff:127.0.0.1'],
    'page.example': ['127.0.0.1'],
  };
  if (hostname === 'rebind.example') {
    // The first answer is the allowed page server; any later one is the recorder on ::1.
    rebindAnswers += 1;
    return [{ address: rebindAnswers === 1 ? '127.0.0.1' : '::1', family: rebindAnswers === 1 ? 4 : 6 }];
  }
  const answer = fixed[hostname];
  if (answer) return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return systemResolver(hostname);
};

/** The web_fetch of the running test: a new one (and connection pool) per test, closed after it. */
let webFetch: WebFetch | undefined;
const workspace = setUpToolWorkspace({
  tools: () => {
    webFetch = createWebFetch({
      maxBytes: 100_000,
      timeoutMs: 5_000,
      resolver: testResolver,
      testAllowance: { address: '127.0.0.1', port: pagePort },
    });
    return [webFetch.tool];
  },
});
afterEach(async () => {
  await webFetch?.close();
});

describe('web_fetch refuses what is not the public internet, and nothing reaches it', () => {
  const cases: [string, () => string][] = [
    ['127.0.0.1', () => `http://127.0.0.1:${recorderPort}/`],
    ['localhost', () => `http://localhost:${recorderPort}/`],
    ['LOCALHOST. with a trailing dot', () => `http://LOCALHOST.:${recorderPort}/`],
    ['[::1]', () => `http://[::1]:${recorderPort}/`],
    ['[0:0:0:0:0:0:0:1]', () => `http://[0:0:0:0:0:0:0:1]:${recorderPort}/`],
    ['0.0.0.0', () => `http://0.0.0.0:${recorderPort}/`],
    ['0 (short unspecified)', () => `http://0:${recorderPort}/`],
    ['[::]', () => `http://[::]:${recorderPort}/`],
    ['127.1 (short form)', () => `http://127.1:${recorderPort}/`],
    ['127.255.255.254', () => `http://127.255.255.254:${recorderPort}/`],
    ['decimal 2130706433', () => `http://2130706433:${recorderPort}/`],
    ['hex 0x7f000001', () => `http://0x7f000001:${recorderPort}/`],
    ['dotted hex 0x7f.0x0.0x0.0x1', () => `http://0x7f.0x0.0x0.0x1:${recorderPort}/`],
    ['octal 0177.0.0.1', () => `http://0177.0.0.1:${recorderPort}/`],
    ['octal 017700000001', () => `http://017700000001:${recorderPort}/`],
    ['[::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${recorderPort}/`],
    ['[::ffff:7f00:1]', () => `http://[::ffff:7f00:1]:${recorderPort}/`],
    ['IPv4-compatible [::127.0.0.1]', () => `http://[::127.0.0.1]:${recorderPort}/`],
    ['NAT64 [64:ff9b::127.0.0.1]', () => `http://[64:ff9b::127.0.0.1]:${recorderPort}/`],
    ['169.254.169.254 (metadata)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['decimal metadata 2852039166', () => 'http://2852039166/latest/meta-data/'],
    ['[fd00:ec2::254] (metadata)', () => 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['10.0.0.1 (private)', () => 'http://10.0.0.1/'],
    ['172.16.0.1 (private)', () => 'http://172.16.0.1/'],
    ['192.168.1.1 (private)', () => 'http://192.168.1.1/'],
    ['100.64.0.1 (CGNAT)', () => 'http://100.64.0.1/'],
    ['169.254.1.1 (link-local)', () => 'http://169.254.1.1/'],
    ['224.0.0.1 (multicast)', () => 'http://224.0.0.1/'],
    ['255.255.255.255 (broadcast)', () => 'http://255.255.255.255/'],
    ['[fe80::1] (link-local)', () => 'http://[fe80::1]/'],
    ['[fc00::1] (unique local)', () => 'http://[fc00::1]/'],
    ['[ff02::1] (multicast)', () => 'http://[ff02::1]/'],
    ['a name resolving to a private address', () => 'http://private.example/'],
    ['a name resolving to loopback', () => `http://loopback.example:${recorderPort}/`],
    ['a name resolving to the metadata address', () => 'http://metadata.example/'],
    ['a name resolving to a private IPv6 address', () => 'http://v6-private.example/'],
    ['a name resolving to a public and a loopback address', () => `http://mixed.example:${recorderPort}/`],
    ['a name resolving to an IPv4-mapped loopback', () => `http://mapped.example:${recorderPort}/`],
    ['a redirect to loopback', () => redirect(`http://127.0.0.1:${recorderPort}/`)],
    ['a redirect to decimal loopback', () => redirect(`http://2130706433:${recorderPort}/`)],
    ['a redirect to [::1]', () => redirect(`http://[::1]:${recorderPort}/`)],
    [
      'a redirect to a name resolving to loopback',
      () => redirect(`http://loopback.example:${recorderPort}/`),
    ],
    ['a redirect to the metadata address', () => redirect('http://169.254.169.254/latest/')],
    ['a redirect to file:', () => redirect('file:///etc/passwd')],
    ['the allowed address on another port', () => `http://page.example:${recorderPort}/`],
    ['file:///etc/passwd', () => 'file:///etc/passwd'],
    ['ftp:', () => `ftp://127.0.0.1:${recorderPort}/`],
    ['credentials in the URL', () => `http://user:pass@127.0.0.1:${recorderPort}/`],
  ];

  test.each(cases)('%s', async (_label, url) => {
    const outcome = await workspace.run('web_fetch', { url: url() });
    expect(outcome.isError).toBe(true);
    expect(String(outcome.output)).not.toContain('secret internal data');
    expect(hits).toEqual([]);
  });
});

function redirect(target: string): string {
  return `http://127.0.0.1:${pagePort}/redirect?to=${encodeURIComponent(target)}`;
}

describe('web_fetch of a page', () => {
  test('returns the readable content as Markdown', async () => {
    const outcome = await workspace.run('web_fetch', { url: `http://127.0.0.1:${pagePort}/article` });
    expect(outcome.isError).toBe(false);
    const output = outcome.output as { url: string; title: string; content: string; status: number };
    expect(output.status).toBe(200);
    expect(output.title).toBe('Test page');
    expect(output.content).toContain('# Bridges of Königsberg');
    expect(output.content).toContain('Euler showed in 1736');
    expect(output.content).toContain(`[the follow-up](http://127.0.0.1:${pagePort}/more)`);
    expect(output.content).not.toContain('steal()');
    expect(outcome.modelText).toContain('Euler showed in 1736');
  });

  test('a name whose answer changes between lookups is looked up once per connection, and used as checked', async () => {
    lookups.length = 0;
    const outcome = await workspace.run('web_fetch', { url: `http://rebind.example:${pagePort}/rebind` });
    expect(outcome.isError).toBe(false);
    expect(lookups.filter((entry) => entry === 'rebind.example')).toHaveLength(1);
    expect(lookups).toContain('page /rebind');
    expect(hits).toEqual([]);
  });
});

test('close ends the connections its pool keeps alive, and nothing is fetched after it', async () => {
  const opened: Socket[] = [];
  const record = (socket: Socket) => opened.push(socket);
  pageServer.on('connection', record);
  try {
    expect(await workspace.run('web_fetch', { url: `http://127.0.0.1:${pagePort}/kept` })).toMatchObject({
      isError: false,
    });
    expect(opened).toHaveLength(1);
    const socket = opened[0]!;
    // Kept alive for the next fetch, until the pool is closed.
    expect(socket.destroyed).toBe(false);
    const closed = once(socket, 'close');
    await webFetch?.close();
    await closed;
    const after = await workspace.run('web_fetch', { url: `http://127.0.0.1:${pagePort}/after` });
    expect(after).toMatchObject({ isError: true, output: expect.stringMatching(/fetch failed/i) });
    expect(lookups).not.toContain('page /after');
  } finally {
    pageServer.off('connection', record);
  }
});
