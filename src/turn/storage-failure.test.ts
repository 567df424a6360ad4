import { afterEach, expect, test } from 'vitest';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import type { NewMessage, Scope, StoredMessage } from '../store/session-store.ts';
import { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { lockKeyOf } from './admit-turn.ts';
import { readWholeStream, startTurnTestService, type TurnTestService } from './turn-test-service.ts';

/** The real store, with writes that fail while `broken` says so (a full disk, a lost database). */
class FailingSessionStore extends SqliteSessionStore {
  failAppends = false;
  failEndTurn = false;
  /** Turns whose end cannot be stored, whatever `failEndTurn` says. */
  readonly failEndTurnFor = new Set<string>();
  appendsTried = 0;

  override async appendMessage(options: Scope & { message: NewMessage }): Promise<StoredMessage> {
    if (options.message.role !== 'user') this.appendsTried += 1;
    if (this.failAppends && options.message.role !== 'user')
      throw new Error('SQLITE_FULL: database or disk is full');
    return super.appendMessage(options);
  }

  override async endTurn(options: Parameters<SqliteSessionStore['endTurn']>[0]): Promise<boolean> {
    if (this.failEndTurn || this.failEndTurnFor.has(options.turnId)) throw new Error('SQLITE_IOERR');
    return super.endTurn(options);
  }
}

/** Says something, again and again, until it is stopped: a turn that would run for hours. */
class ChattyRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  blocks = 0;
  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    while (!input.signal.aborted) {
      const id = `t${this.blocks++}`;
      yield { type: 'step-start' };
      yield { type: 'text-start', id };
      yield { type: 'text-delta', id, delta: `block ${id}` };
      yield { type: 'text-end', id };
      yield { type: 'step-finish' };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

let harness: TurnTestService | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(runtime: AgentRuntime = new ChattyRuntime()) {
  let failing: FailingSessionStore | undefined;
  harness = await startTurnTestService({
    runtime,
    makeStore: (database) => {
      failing = new FailingSessionStore(database);
      return failing;
    },
  });
  const session = await harness.store.createSession({ ownerId: 'u' });
  return { harness, store: failing!, scope: { ownerId: 'u', sessionId: session.id } };
}

test('the first failed write stops the turn with storage_error; nothing more is written', async () => {
  const runtime = new ChattyRuntime();
  const { harness, store, scope } = await start(runtime);
  store.failAppends = true;

  const result = await harness.service.submit({ ...scope, text: 'talk to me' });
  if (result.kind !== 'stream') throw new Error('expected a started turn');
  const events = await readWholeStream({ registry: harness.registry, streamId: result.turnId });

  expect(events.find((event) => event.chunk.type === 'data-error')?.chunk).toMatchObject({
    data: { code: 'storage_error', retryable: true },
  });
  expect(events.at(-1)?.chunk.type).toBe('finish');
  // Stopped at once: a handful of blocks, not a turn that goes on storing nothing.
  expect(runtime.blocks).toBeLessThan(20);
  const triedAtEnd = store.appendsTried;
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(store.appendsTried).toBe(triedAtEnd);
  expect(runtime.blocks).toBeLessThan(20);
  const turn = await harness.store.getTurn({ ...scope, turnId: result.turnId });
  expect(turn).toMatchObject({ status: 'failed', errorCode: 'storage_error' });
  expect(await harness.lock.holder(lockKeyOf(scope.sessionId))).toBeNull();
});

test('a turn whose end could not be stored frees its session at once and is settled at start-up', async () => {
  const { harness, store, scope } = await start();
  store.failAppends = true;
  store.failEndTurn = true;

  const result = await harness.service.submit({ ...scope, text: 'talk to me' });
  if (result.kind !== 'stream') throw new Error('expected a started turn');
  const events = await readWholeStream({ registry: harness.registry, streamId: result.turnId });
  expect(events.find((event) => event.chunk.type === 'data-error')?.chunk).toMatchObject({
    data: { code: 'storage_error' },
  });
  expect(events.at(-1)?.chunk.type).toBe('finish');
  expect(await harness.lock.holder(lockKeyOf(scope.sessionId))).toBeNull();
  expect((await harness.store.getTurn({ ...scope, turnId: result.turnId }))?.status).toBe('running');

  // The store is back; a new process starts and settles what the old one could not.
  store.failAppends = false;
  store.failEndTurn = false;
  await harness.service.shutdown();
  expect(await harness.restart().checkTurns()).toBe(1);
  expect(await harness.store.getTurn({ ...scope, turnId: result.turnId })).toMatchObject({
    status: 'interrupted',
  });
  const rows = await harness.store.listMessages(scope);
  expect(rows.at(-1)).toMatchObject({ role: 'marker', metadata: { marker: { kind: 'error' } } });
});

test('one turn the watchdog cannot settle does not stop it settling the others', async () => {
  const { harness, store } = await start();
  const orphans: string[] = [];
  for (const name of ['first', 'second']) {
    const session = await harness.store.createSession({ ownerId: 'u' });
    const scope = { ownerId: 'u', sessionId: session.id };
    const user = await harness.store.appendMessage({
      ...scope,
      message: { id: `m-${name}`, role: 'user', content: 'hi', turnId: `dead-${name}` },
    });
    await harness.store.createTurn({
      id: `dead-${name}`,
      ...scope,
      messageId: `dead-${name}`,
      clientMessageId: null,
      userMessageId: user.id,
      fencingToken: 1,
    });
    orphans.push(`dead-${name}`);
  }
  store.failEndTurnFor.add('dead-first');

  expect(await harness.service.checkTurns()).toBe(1);
  const running = (await harness.store.listRunningTurns()).map((turn) => turn.id);
  expect(running).toEqual(['dead-first']);
});
