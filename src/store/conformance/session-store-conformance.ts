import { afterEach, beforeEach, describe } from 'vitest';
import type { SessionStore } from '../session-store.ts';
import { describeMessageConformance } from './message-conformance.ts';
import { describeRegenerateConformance } from './regenerate-conformance.ts';
import { describeSessionConformance } from './session-conformance.ts';
import { describeTurnConformance } from './turn-conformance.ts';
import { describeUsageConformance } from './usage-conformance.ts';
import { describeWaitingConformance } from './waiting-conformance.ts';

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
