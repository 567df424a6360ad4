import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { Context, Hono } from 'hono';
import { type WebBootstrap, webBootstrapElementId } from '../protocol/index.ts';
import type { AppEnv } from './app-deps.ts';

interface StaticFile {
  body: Uint8Array;
  contentType: string;
  /** Vite names these by content hash, so they may be cached for good. */
  immutable: boolean;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the UI never answers, so an API typo stays a JSON 404 rather than a page. */
const reservedPrefixes = ['/api/', '/healthz', '/readyz', '/metrics'];

const pageSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the built web UI (web/dist) at `/`, with index.html for any other page path so that deep
 * links such as `/s/<id>` load the app. Only files found by listing the build folder are served: a
 * request path is a key into that list, never joined onto the disk, so it cannot traverse.
 */
export function registerWebUi(
  app: Hono<AppEnv>,
  options: { distDir: string; bootstrap: WebBootstrap },
): void {
  let files: Promise<Map<string, StaticFile> | null> | null = null;
  const load = () => {
    files ??= loadBuild(options.distDir).then((loaded) => {
      // Not built yet: look again on the next request rather than caching the absence.
      if (!loaded) files = null;
      return loaded;
    });
    return files;
  };

  const serve = async (context: Context<AppEnv>) => {
    const path = context.req.path;
    if (reservedPrefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))) {
      return context.notFound();
    }
    const build = await load();
    if (!build) return context.html(missingBuildPage(options.bootstrap), 503, pageSecurityHeaders);
    const file = build.get(path);
    if (file && path !== '/index.html') {
      return context.body(file.body.slice(), 200, {
        'content-type': file.contentType,
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      });
    }
    // A missing asset is a 404, not the page: a stale tab must not parse HTML as a script.
    if (path.startsWith('/assets/') || extname(path) !== '') return context.notFound();
    const index = build.get('/index.html');
    if (!index) return context.notFound();
    const html = injectBootstrap(new TextDecoder().decode(index.body), options.bootstrap);
    return context.html(html, 200, { ...pageSecurityHeaders, 'cache-control': 'no-cache' });
  };
  app.get('*', serve);
}

async function loadBuild(distDir: string): Promise<Map<string, StaticFile> | null> {
  let entries: Dirent[];
  try {
    entries = await readdir(distDir, { withFileTypes: true, recursive: true });
  } catch {
    return null;
  }
  const files = new Map<string, StaticFile>();
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const absolute = join(entry.parentPath, entry.name);
    const urlPath = `/${relative(distDir, absolute).split(sep).join('/')}`;
    files.set(urlPath, {
      body: await readFile(absolute),
      contentType: contentTypes[extname(entry.name)] ?? 'application/octet-stream',
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return files.has('/index.html') ? files : null;
}

/** JSON inside a script element: `<` is escaped so no text can close the element. */
function injectBootstrap(html: string, bootstrap: WebBootstrap): string {
  const json = JSON.stringify(bootstrap).replace(/</g, '\\u003c');
  const tag = `<script id="${webBootstrapElementId}" type="application/json">${json}</script>`;
  return html.replace('</head>', `${tag}</head>`);
}

function missingBuildPage(bootstrap: WebBootstrap): string {
  const hint = bootstrap.setupHint ? `<p>${escapeHtml(bootstrap.setupHint)}</p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Autopilot</title></head><body>
<h1>Autopilot</h1><p>The web UI is not built. Start the server with <code>npm start</code>, which builds it, or run <code>npm run build:web</code>.</p>${hint}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
