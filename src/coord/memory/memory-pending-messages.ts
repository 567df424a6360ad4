import type { PendingMessage, PendingMessages } from '../pending-messages.ts';

export class MemoryPendingMessages implements PendingMessages {
  readonly #queues = new Map<string, PendingMessage[]>();

  async push(options: {
    sessionId: string;
    message: PendingMessage;
    max: number;
  }): Promise<{ accepted: boolean; count: number }> {
    const queue = this.#queues.get(options.sessionId) ?? [];
    const key = options.message.clientMessageId;
    if (key && queue.some((message) => message.clientMessageId === key))
      return { accepted: true, count: queue.length };
    if (queue.length >= options.max) return { accepted: false, count: queue.length };
    queue.push(options.message);
    this.#queues.set(options.sessionId, queue);
    return { accepted: true, count: queue.length };
  }

  async take(options: { sessionId: string; max: number }): Promise<PendingMessage[]> {
    const queue = this.#queues.get(options.sessionId);
    if (!queue) return [];
    const taken = queue.splice(0, options.max);
    if (queue.length === 0) this.#queues.delete(options.sessionId);
    return taken;
  }

  async count(sessionId: string): Promise<number> {
    return this.#queues.get(sessionId)?.length ?? 0;
  }

  async clear(sessionId: string): Promise<number> {
    const count = this.#queues.get(sessionId)?.length ?? 0;
    this.#queues.delete(sessionId);
    return count;
  }
}
