import type { StreamChunk } from '../protocol/index.ts';

/** An append refused because the stream has no room left for chunks of its kind. */
export class StreamFullError extends Error {
  override name = 'StreamFullError';
}

/**
 * How much room a chunk may use. Ordinary chunks stop first; chunks that close a part the
 * client already shows (text-end, a tool's result…) may use a reserve; the terminal sequence
 * may use the last reserve, so a stream that reaches its cap still ends with `finish`.
 */
export type ChunkTier = 'ordinary' | 'closing' | 'terminal';

export function tierOf(chunk: StreamChunk): ChunkTier {
  switch (chunk.type) {
    case 'data-error':
    case 'error':
    case 'data-system':
    case 'message-metadata':
    case 'finish':
      return 'terminal';
    case 'text-end':
    case 'reasoning-end':
    case 'finish-step':
    case 'tool-input-available':
    case 'tool-output-available':
    case 'tool-output-error':
      return 'closing';
    default:
      return 'ordinary';
  }
}

export interface StreamLimits {
  maxEvents: number;
  maxBytes: number;
}

/** The room each tier may fill: terminal chunks get the whole cap, the others stop short of it. */
export function limitsFor(options: { tier: ChunkTier; limits: StreamLimits }): StreamLimits {
  const { maxEvents, maxBytes } = options.limits;
  const terminalEvents = 16;
  const terminalBytes = 64 * 1024;
  const closingEvents = Math.max(16, Math.floor(maxEvents / 100));
  const closingBytes = Math.max(256 * 1024, Math.floor(maxBytes / 20));
  switch (options.tier) {
    case 'terminal':
      return { maxEvents, maxBytes };
    case 'closing':
      return { maxEvents: maxEvents - terminalEvents, maxBytes: maxBytes - terminalBytes };
    case 'ordinary':
      return {
        maxEvents: maxEvents - terminalEvents - closingEvents,
        maxBytes: maxBytes - terminalBytes - closingBytes,
      };
  }
}

/** Whether a stream this full merges adjacent text deltas instead of numbering each one. */
export function isNearCap(options: { events: number; bytes: number; limits: StreamLimits }): boolean {
  const ordinary = limitsFor({ tier: 'ordinary', limits: options.limits });
  return options.events >= ordinary.maxEvents * 0.9 || options.bytes >= ordinary.maxBytes * 0.9;
}
