import { describe, expect, test } from 'vitest';
import { SideEvents } from './side-events.ts';

/** A source that pushes side events while it "waits on a tool", then yields or throws. */
async function* source(options: { side: SideEvents<string>; fail: boolean }): AsyncGenerator<string> {
  yield 'call';
  await new Promise((resolve) => setImmediate(resolve));
  options.side.push('progress');
  await new Promise((resolve) => setImmediate(resolve));
  options.side.push('usage');
  if (options.fail) throw new Error('model failed');
  yield 'result';
}

async function collect(options: { fail: boolean }): Promise<{ seen: string[]; error: unknown }> {
  const side = new SideEvents<string>();
  const seen: string[] = [];
  try {
    for await (const event of side.mergeWith(source({ side, fail: options.fail }))) seen.push(event);
    return { seen, error: null };
  } catch (error) {
    return { seen, error };
  }
}

describe('SideEvents', () => {
  test('side events pushed while the source waits come out before its next event', async () => {
    expect(await collect({ fail: false })).toEqual({
      seen: ['call', 'progress', 'usage', 'result'],
      error: null,
    });
  });

  test('side events pushed before the source throws are not lost', async () => {
    const { seen, error } = await collect({ fail: true });
    expect(seen).toEqual(['call', 'progress', 'usage']);
    expect(error).toMatchObject({ message: 'model failed' });
  });

  test('a consumer that stops early closes the source', async () => {
    const side = new SideEvents<string>();
    let closed = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        while (true) yield 'tick';
      } finally {
        closed = true;
      }
    }
    for await (const _ of side.mergeWith(endless())) break;
    expect(closed).toBe(true);
  });

  test('a consumer that stops on a side event leaves no failure of the source unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const side = new SideEvents<string>();
      async function* failing(): AsyncGenerator<string> {
        yield 'call';
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('the model failed after the consumer left');
      }
      const seen: string[] = [];
      for await (const event of side.mergeWith(failing())) {
        seen.push(event);
        if (event === 'call') side.push('progress');
        else break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toEqual(['call', 'progress']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
