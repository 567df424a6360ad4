import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureWebBuild, webDistDir } from '../../scripts/build-web.ts';
import { rawRequest } from '../support/raw-request.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  await ensureWebBuild();
  server = await startTestServer({ noModel: true });
});
afterAll(async () => server?.close());

const get = (path: string) => rawRequest({ url: server.url, path });

describe('the web UI is served at /', () => {
  test('the page, with the bootstrap and a strict content security policy', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body).toContain('<div id="root">');
    const bootstrap = /<script id="autopilot-bootstrap" type="application\/json">(.*?)<\/script>/.exec(
      page.body,
    );
    expect(JSON.parse(bootstrap?.[1] ?? 'null')).toMatchObject({
      modelConfigured: false,
      setupHint: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
  });

  test('deep links load the page; API, health and metrics paths are never shadowed', async () => {
    for (const path of ['/s/3f0c9a', '/s/3f0c9a/', '/settings/deep/link']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.body, path).toContain('<div id="root">');
    }
    const missingRoute = await get('/api/no-such-route');
    expect(missingRoute.status).toBe(404);
    expect(JSON.parse(missingRoute.body)).toMatchObject({ error: { code: 'not_found' } });
    expect(JSON.parse((await get('/healthz')).body)).toEqual({ ok: true });
    expect((await get('/readyz')).headers['content-type']).toMatch(/json/);
    expect((await get('/metrics')).headers['content-type']).toMatch(/^text\/plain/);
    expect((await get('/metrics/extra')).body).not.toContain('<div id="root">');
  });

  test('hashed assets have their content type and are cached for good; a missing one is a 404', async () => {
    const assets = await readdir(join(webDistDir, 'assets'));
    const script = assets.find((name) => name.endsWith('.js'))!;
    const style = assets.find((name) => name.endsWith('.css'))!;
    const js = await get(`/assets/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(`/assets/${style}`)).headers['content-type']).toBe('text/css; charset=utf-8');
    const missing = await get('/assets/index-0000000.js');
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain('<div id="root">');
  });

  test('no path reaches a file outside the build', async () => {
    const attempts = [
      '/../package.json',
      '/..%2f..%2fpackage.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/.source-hash',
      '/assets/..%5c..%5c..%5cpackage.json',
      '/index.html%00.js',
    ];
    for (const path of attempts) {
      const response = await get(path);
      expect(response.body, path).not.toContain('"name": "autopilot"');
      expect(response.body, path).not.toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
