import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { isAppError } from '../util/app-error.ts';
import { readJsonBody } from './read-json-body.ts';

const app = new Hono();
app.post('/', async (context) => {
  try {
    return context.json({ body: await readJsonBody(context, z.object({ text: z.string() })) });
  } catch (error) {
    if (!isAppError(error)) throw error;
    return context.json({ code: error.code }, error.status as 400);
  }
});

describe('readJsonBody', () => {
  test('a body cut off before its end is a 400, not a server error', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"te'));
        controller.error(new Error('aborted'));
      },
    });
    const response = await app.request('/', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'bad_request' });
  });

  test('a whole body is parsed and checked', async () => {
    const ok = await app.request('/', { method: 'POST', body: '{"text":"hi"}' });
    expect(await ok.json()).toEqual({ body: { text: 'hi' } });
    const bad = await app.request('/', { method: 'POST', body: '{"text":' });
    expect(await bad.json()).toEqual({ code: 'invalid_json' });
  });
});
