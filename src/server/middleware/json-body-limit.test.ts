import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { isAppError } from '../../util/app-error.ts';
import { jsonBodyLimit } from './json-body-limit.ts';

function app() {
  const hono = new Hono();
  hono.onError((error, context) =>
    isAppError(error)
      ? context.json({ code: error.code }, error.status as 400)
      : context.json({ code: 'internal' }, 500),
  );
  hono.use(jsonBodyLimit({ maxBytes: 100 }));
  hono.post('/', async (context) => context.json({ text: await context.req.text() }));
  hono.post('/fails', async () => {
    throw new Error('the route failed');
  });
  return hono;
}

/** A body without a declared length, as a chunked request sends it; `error` cuts it off. */
function chunked(parts: string[], error?: Error) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
      if (error) controller.error(error);
      else controller.close();
    },
  });
  return { method: 'POST', body, duplex: 'half' } as RequestInit;
}

describe('jsonBodyLimit on a body of no declared length', () => {
  test('a body cut off before its end is a 400, not a server error', async () => {
    const response = await app().request('/', chunked(['{"te'], new Error('aborted')));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'bad_request' });
  });

  test('a body over the limit is a 413, and a whole one reaches the route', async () => {
    expect((await app().request('/', chunked(['x'.repeat(60), 'y'.repeat(60)]))).status).toBe(413);
    expect(await (await app().request('/', chunked(['{"a":', '1}']))).json()).toEqual({ text: '{"a":1}' });
  });

  test("the route's own failure stays a server error", async () => {
    expect((await app().request('/fails', chunked(['{}']))).status).toBe(500);
  });
});
