import { afterEach, beforeEach } from 'vitest';
import type { NewTurn, SessionStore } from '../session-store.ts';

/** Owners created by the suite before each test. */
export const alice = 'alice';
export const bob = 'bob';

/** Timestamps have millisecond precision: waiting past one makes the next write sort later. */
export function waitForNextMillisecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 3));
}

export function buildTurn(
  options: Pick<NewTurn, 'id' | 'sessionId' | 'ownerId'> & Partial<NewTurn>,
): NewTurn {
  return {
    messageId: `${options.id}-assistant`,
    userMessageId: `${options.id}-user`,
    clientMessageId: null,
    fencingToken: 1,
    ...options,
  };
}

/** A session of `ownerId` holding one user message per content, in order. */
export async function createSessionWithMessages(options: {
  store: SessionStore;
  ownerId: string;
  contents: string[];
}): Promise<string> {
  const session = await options.store.createSession({ ownerId: options.ownerId });
  for (const [index, content] of options.contents.entries()) {
    await options.store.appendMessage({
      ownerId: options.ownerId,
      sessionId: session.id,
      message: { id: `${session.id}-${index}`, role: 'user', content },
    });
  }
  return session.id;
}

/**
 * A suite's store, made fresh for each test with alice and bob as users (hooks registered in the
 * calling `describe`) and cleaned up after it. Returns the getter a test reads it through.
 */
export function freshStorePerTest<Store extends { sessions: SessionStore; cleanup: () => Promise<void> }>(
  makeStore: () => Promise<Store>,
): () => Store {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await makeStore();
    await current.sessions.ensureUser({ id: alice, name: 'Alice' });
    await current.sessions.ensureUser({ id: bob, name: 'Bob' });
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('The store is only available inside a test.');
    return current;
  };
}
