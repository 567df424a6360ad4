import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { ToolError } from '../tool.ts';

export interface FetchedPage {
  /** The URL the content came from, after redirects. */
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
  /** The body was longer than the cap and was cut. */
  truncated: boolean;
}

const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a URL through the guarded dispatcher, following redirects by hand so that every hop is
 * parsed and checked again (its scheme here; its addresses by the dispatcher at connect time).
 * Reads at most `maxBytes` of the body.
 */
export async function fetchPage(options: {
  url: string;
  dispatcher: Dispatcher;
  maxBytes: number;
  signal: AbortSignal;
}): Promise<FetchedPage> {
  let url = parseWebUrl(options.url);
  for (let hop = 0; ; hop += 1) {
    const response = await request(url, {
      method: 'GET',
      dispatcher: options.dispatcher,
      signal: options.signal,
      headers: {
        accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.5',
        'accept-encoding': 'identity',
        'user-agent': 'Autopilot web_fetch',
      },
    });
    const location = headerValue(response.headers.location);
    if (redirectStatuses.has(response.statusCode) && location) {
      await response.body.dump();
      if (hop >= maxRedirects) throw new ToolError(`More than ${maxRedirects} redirects; stopped at ${url}.`);
      url = parseWebUrl(new URL(location, url).toString());
      continue;
    }
    const { body, truncated } = await readCapped({ body: response.body, maxBytes: options.maxBytes });
    return {
      url: url.toString(),
      status: response.statusCode,
      contentType: headerValue(response.headers['content-type']) ?? '',
      body,
      truncated,
    };
  }
}

/** Only http(s), and no credentials in the URL (they would be sent to whoever answers). */
function parseWebUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolError(`"${raw.slice(0, 200)}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolError(`Only http and https URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new ToolError('URLs with a user name or password are refused.');
  url.hash = '';
  return url;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readCapped(options: {
  body: AsyncIterable<Buffer> & { destroy(): unknown };
  maxBytes: number;
}): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of options.body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size > options.maxBytes) {
      options.body.destroy();
      return { body: Buffer.concat(chunks).subarray(0, options.maxBytes), truncated: true };
    }
  }
  return { body: Buffer.concat(chunks), truncated: false };
}
