import { describePendingMessagesConformance } from '../pending-messages-conformance.ts';
import { MemoryPendingMessages } from './memory-pending-messages.ts';

describePendingMessagesConformance('memory', async () => ({
  pending: new MemoryPendingMessages(),
  cleanup: async () => {},
}));
