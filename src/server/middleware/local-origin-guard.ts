import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../util/app-error.ts';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Local mode trusts whoever reaches the port, and a web page in the user's browser can reach it:
 * through DNS rebinding (the page's own name resolving to 127.0.0.1, so a foreign `Host`) or with a
 * cross-site form or script (a foreign `Origin`). Both are refused (SPEC §2, Auth). Requests without
 * `Origin` (curl, the terminal client, same-origin navigations) pass once their `Host` is ours.
 * `port` is read per request: the server learns its port only once it listens.
 */
export function localOriginGuard(options: { host: string; port: () => number }): MiddlewareHandler {
  // Built once per port rather than per request (a few Sets and strings, on every request).
  let hostsPort = Number.NaN;
  let hosts = new Set<string>();
  return async (context, next) => {
    if (context.req.path === '/healthz') return next();
    const port = options.port();
    if (port !== hostsPort) {
      hosts = allowedHosts({ host: options.host, port });
      hostsPort = port;
    }
    const host = context.req.header('host')?.toLowerCase();
    if (!host || !hosts.has(host)) throw forbidden('This server answers only to its own address.');
    const origin = context.req.header('origin');
    if (origin !== undefined && !hosts.has(hostOfOrigin(origin) ?? '')) {
      throw forbidden('Requests from other web sites are refused.');
    }
    // Browsers that send no Origin still say where a request came from.
    const site = context.req.header('sec-fetch-site');
    if (
      unsafeMethods.has(context.req.method) &&
      site !== undefined &&
      site !== 'same-origin' &&
      site !== 'none'
    ) {
      throw forbidden('Requests from other web sites are refused.');
    }
    return next();
  };
}

/** `host:port` forms of this server: the bound loopback address and `localhost`. */
function allowedHosts(options: { host: string; port: number }): Set<string> {
  const names = new Set([options.host.toLowerCase(), 'localhost']);
  if (options.host === 'localhost') {
    names.add('127.0.0.1');
    names.add('::1');
  }
  const hosts = new Set<string>();
  for (const name of names) {
    const bracketed = name.includes(':') ? `[${name}]` : name;
    hosts.add(`${bracketed}:${options.port}`);
    if (options.port === 80) hosts.add(bracketed);
  }
  return hosts;
}

/** The `host[:port]` of an `http://` origin; null for anything else (`null`, other schemes, junk). */
function hostOfOrigin(origin: string): string | null {
  if (!origin.startsWith('http://')) return null;
  try {
    const url = new URL(origin);
    return url.origin === origin.toLowerCase() ? url.host : null;
  } catch {
    return null;
  }
}

function forbidden(message: string): AppError {
  return new AppError('forbidden', message, { status: 403 });
}
