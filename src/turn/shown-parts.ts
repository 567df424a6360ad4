import type { StreamChunk } from '../protocol/index.ts';

/**
 * Which parts of a stream reached the client. When a full stream refuses the chunk that opens a
 * part (a step, a text, a tool call), the chunks that continue or close that part must not be
 * sent either: the client would fail on an end without its start.
 */
export class ShownParts {
  readonly #refusedParts = new Set<string>();
  #stepRefused = false;

  refused(chunk: StreamChunk): void {
    switch (chunk.type) {
      case 'start-step':
        this.#stepRefused = true;
        return;
      case 'text-start':
      case 'reasoning-start':
        this.#refusedParts.add(`block:${chunk.id}`);
        return;
      case 'tool-input-start':
        this.#refusedParts.add(`tool:${chunk.toolCallId}`);
        return;
      default:
        return;
    }
  }

  /** Whether `chunk` belongs to a part the client never saw. */
  hides(chunk: StreamChunk): boolean {
    switch (chunk.type) {
      case 'start-step':
        this.#stepRefused = false;
        return false;
      case 'finish-step': {
        const refused = this.#stepRefused;
        this.#stepRefused = false;
        return refused;
      }
      case 'text-delta':
      case 'text-end':
      case 'reasoning-delta':
      case 'reasoning-end':
        // Asked for every delta: no key is made while nothing was refused (nearly always).
        return this.#refusedParts.size > 0 && this.#refusedParts.has(`block:${chunk.id}`);
      case 'tool-input-available':
      case 'tool-output-available':
      case 'tool-output-error':
        return this.#refusedParts.size > 0 && this.#refusedParts.has(`tool:${chunk.toolCallId}`);
      default:
        return false;
    }
  }
}
