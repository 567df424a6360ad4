import { describeTurnQueueConformance } from '../conformance/turn-queue-conformance.ts';
import { MemoryTurnQueue } from './memory-turn-queue.ts';

describeTurnQueueConformance('memory', async () => ({
  queue: new MemoryTurnQueue(),
  cleanup: async () => {},
}));
