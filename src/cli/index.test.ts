import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { commandUsage } from './command-usage.ts';
import { runCli } from './index.ts';

const originalWrite = process.stdout.write;
const originalErrorWrite = process.stderr.write;

/** Runs the command line and returns its exit code and what it wrote to stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await runCli(argv, {}), stdout, stderr };
  } finally {
    process.stdout.write = originalWrite;
    process.stderr.write = originalErrorWrite;
  }
}

afterEach(() => {
  process.stdout.write = originalWrite;
  process.stderr.write = originalErrorWrite;
});

describe('autopilot --help', () => {
  test('every command answers --help and -h with its own usage, and runs nothing', async () => {
    for (const name of ['serve', 'chat', 'sessions', 'migrate'] as const) {
      for (const flag of ['--help', '-h']) {
        const result = await run([name, '--url', 'http://127.0.0.1:1', flag]);
        expect(result, `${name} ${flag}`).toEqual({ code: 0, stdout: commandUsage[name], stderr: '' });
        expect(result.stdout).toContain(`Usage: autopilot ${name}`);
      }
    }
    expect(await run(['--help'])).toEqual({ code: 0, stdout: commandUsage.autopilot, stderr: '' });
  });

  test('an unknown command or option says what is wrong and where to look', async () => {
    const unknown = await run(['chatt']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "chatt"');
    const badOption = await run(['sessions', '--colour']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain("'--colour'");
    expect(badOption.stderr).toContain('Run "autopilot sessions --help" for its options.');
  });

  test('after --, "--help" is a message, not a flag', async () => {
    const result = await run(['chat', '--url', 'http://127.0.0.1:1', '--', '--help']);
    expect(result.stdout).not.toContain('Usage:');
  });
});

describe('autopilot chat and sessions against what is not an Autopilot server', () => {
  test('a message of only spaces is refused, not read as "no message" (stdin would become the chat)', async () => {
    const result = await run(['chat', '--url', 'http://127.0.0.1:1', '   ']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The message is empty.');
  });

  test('--session and --continue together are refused before anything is sent', async () => {
    const result = await run(['chat', '--url', 'http://127.0.0.1:1', '--session', 'abc', '-c', 'hello']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Give --session ID or --continue, not both.');
  });

  test('a message too long to send is refused before a session is made for it', async () => {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await run(['chat', '--url', url, 'y'.repeat(64_001)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('The message is longer than 64000 characters.');
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  });

  test('a --session that does not exist is not offered to continue', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'not_found', message: 'Session not found.' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await run(['chat', '--url', url, '--session', 'no-such-session', 'hello']);
      expect(result.code).toBe(2);
      expect(result.stdout).toContain('Session not found.');
      expect(result.stderr).not.toContain('continue with');
    } finally {
      server.close();
    }
  });

  test('a web page at the address is a clear error; escape sequences in an error are not printed', async () => {
    const server = createServer((request, response) => {
      if (request.url?.startsWith('/api/sessions?')) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ error: { code: 'unauthorized', message: 'No\x1b]52;c;cHduZWQ=\x07 entry' } }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>A single-page app</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const chat = await run(['chat', '--url', url, 'hello']);
      expect(chat.code).toBe(1);
      expect(chat.stderr).toContain(`The server at ${url} did not answer as Autopilot does.`);
      const sessions = await run(['sessions', '--url', url]);
      expect(sessions.stderr).toContain('No entry');
      expect(sessions.stderr).not.toContain('\x1b');
    } finally {
      server.close();
    }
  });
});
