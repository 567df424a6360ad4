import { describeLockConformance } from '../conformance/lock-conformance.ts';
import { MemoryLock } from './memory-lock.ts';

describeLockConformance('memory', async () => ({ lock: new MemoryLock(), cleanup: async () => {} }));

describeLockConformance('memory on a fake clock', async () => {
  let now = 1_000_000;
  return {
    lock: new MemoryLock({ now: () => now }),
    advance: (ms) => {
      now += ms;
    },
    cleanup: async () => {},
  };
});
