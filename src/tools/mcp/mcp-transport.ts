import { existsSync } from 'node:fs';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../../config/mcp-config.ts';
import type { Logger } from '../../util/logger.ts';

const maxStderrLineChars = 500;
/** An HTTP server's answer to one call, at most: the stdio transport's own limit is 10 MB. */
const maxHttpAnswerBytes = 10 * 1024 * 1024;
/** Starts a stdio server as its own process group, so a launcher's children end with it. */
const setsidPath = ['/usr/bin/setsid', '/bin/setsid'].find((path) => existsSync(path));

/**
 * The transport to one configured server: streamable HTTP, or a child process over stdio. A stdio
 * child runs as its own process group (where `setsid` exists), told to `onGroup` once started.
 */
export function createTransport(options: {
  config: McpServerConfig;
  logger: Logger;
  onGroup: (group: number) => void;
}): Transport {
  const { config, logger } = options;
  if (config.type === 'http') {
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers: config.headers },
      fetch: cappedFetch,
    });
  }
  // The SDK gives the child only a safe subset of our environment (PATH, HOME…) plus `env`.
  const transport = new StdioClientTransport({
    command: setsidPath ?? config.command,
    args: setsidPath ? [config.command, ...config.args] : config.args,
    env: { ...getDefaultEnvironment(), ...config.env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    logger.debug({ stderr: chunk.toString('utf8').slice(0, maxStderrLineChars) }, 'MCP server stderr');
  });
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    // Read now: the SDK forgets the child's pid when it closes, as it does on a failed connect.
    if (setsidPath && transport.pid) options.onGroup(transport.pid);
  };
  return transport;
}

/** SIGKILL to a stdio server's process group; nothing if it has ended already. */
export function endProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Every process of the group has ended.
  }
}

/**
 * `fetch` for the HTTP transport with what one answer may take capped: a server could otherwise
 * send hundreds of megabytes, all read into memory before our output caps apply. A JSON answer
 * is capped whole; an event stream (a call's answer, or the long-lived stream the SDK opens with
 * GET and resumes calls on) event by event. Past the cap a JSON answer fails; a call's event
 * stream ends with an error answer to the request it carried, so the call fails at once rather
 * than at its time limit; any other stream fails.
 */
export const cappedFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (!response.body) return response;
  const message = `The MCP server's answer is over ${maxHttpAnswerBytes / 1024 / 1024} MB.`;
  const requestId = init?.method === 'POST' ? jsonRpcIdOf(init.body) : undefined;
  const stream = response.headers.get('content-type')?.includes('text/event-stream') === true;
  const counter = stream ? eventSizeCounter() : wholeSizeCounter();
  const capped = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (counter(chunk) <= maxHttpAnswerBytes) {
          controller.enqueue(chunk);
        } else if (stream && requestId !== undefined) {
          // A blank line first ends the event the cap cut short (it then fails to parse, alone).
          const answer = JSON.stringify({ jsonrpc: '2.0', id: requestId, error: { code: -32000, message } });
          controller.enqueue(new TextEncoder().encode(`\n\nevent: message\ndata: ${answer}\n\n`));
          controller.terminate();
        } else {
          controller.error(new Error(message));
        }
      },
    }),
  );
  return new Response(capped, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

/** Counts every byte: the size so far after each chunk. */
function wholeSizeCounter(): (chunk: Uint8Array) => number {
  let read = 0;
  return (chunk) => {
    read += chunk.byteLength;
    return read;
  };
}

/** Counts the bytes of the event in progress (since the last blank line), the largest within `chunk`. */
function eventSizeCounter(): (chunk: Uint8Array) => number {
  const newline = 0x0a;
  const carriageReturn = 0x0d;
  let size = 0;
  let lineEnded = false;
  return (chunk) => {
    let largest = size;
    for (const byte of chunk) {
      if (byte === newline) {
        if (lineEnded) size = 0;
        lineEnded = true;
      } else if (byte !== carriageReturn) {
        lineEnded = false;
        size += 1;
        if (size > largest) largest = size;
      }
    }
    return largest;
  };
}

/** The id of the one JSON-RPC request in a POST body, if it is one. */
function jsonRpcIdOf(body: unknown): string | number | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
