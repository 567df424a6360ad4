import { afterEach, beforeEach, describe } from 'vitest';
import { describeMessageConformance } from './conformance/message-conformance.ts';
import { describeRegenerateConformance } from './conformance/regenerate-conformance.ts';
import { describeSessionConformance } from './conformance/session-conformance.ts';
import { describeTurnConformance } from './conformance/turn-conformance.ts';
import { describeUsageConformance } from './conformance/usage-conformance.ts';
import { describeWaitingConformance } from './conformance/waiting-conformance.ts';
import type { SessionStore } from './session-store.ts';

export type SessionStoreFactory = () => Promise<{ store: SessionStore; cleanup: () => Promise<void> }>;

/**
 * The behaviour every SessionStore must have. Each implementation's test file calls this with a
 * factory that returns a fresh, empty store and a cleanup that closes it.
 */
export function describeSessionStoreConformance(name: string, makeStore: SessionStoreFactory): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let current: Awaited<ReturnType<SessionStoreFactory>> | undefined;

    beforeEach(async () => {
      current = await makeStore();
      await current.store.ensureUser({ id: 'alice', name: 'Alice' });
      await current.store.ensureUser({ id: 'bob', name: 'Bob' });
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getStore = (): SessionStore => {
      if (!current) throw new Error('The store is only available inside a test.');
      return current.store;
    };

    describeSessionConformance(getStore);
    describeMessageConformance(getStore);
    describeTurnConformance(getStore);
    describeUsageConformance(getStore);
    describeWaitingConformance(getStore);
    describeRegenerateConformance(getStore);
  });
}
