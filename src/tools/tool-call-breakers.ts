import { createHash } from 'node:crypto';
import { AppError } from '../util/app-error.ts';

/** A call (same tool, same input) that failed this many times in a row is not run again. */
export const maxIdenticalFailures = 3;
/** This many tool calls in a row with empty input end the turn. */
export const maxConsecutiveEmptyCalls = 5;

/**
 * The per-turn circuit breakers around tool calls: identical calls that keep failing, and calls
 * that keep arriving empty (a model whose output was cut off, often while writing something
 * large). Holds state; the executor decides what a call is and what runs.
 */
export class ToolCallBreakers {
  readonly #failures = new Map<string, number>();
  #emptyCalls = 0;
  #tripped: AppError | null = null;

  /** Set once the turn must end; it stays set until `reset`. */
  get tripped(): AppError | null {
    return this.#tripped;
  }

  /** Forgets everything, for a fresh attempt of the turn. */
  reset(): void {
    this.#failures.clear();
    this.#emptyCalls = 0;
    this.#tripped = null;
  }

  /** Counts an empty call and returns the text the model gets; may trip the turn. */
  recordEmptyCall(options: { toolName: string; required: string[]; canAppend: boolean }): string {
    this.#emptyCalls += 1;
    if (this.#emptyCalls >= maxConsecutiveEmptyCalls) {
      this.#tripped = new AppError(
        'circuit_breaker_empty_tool_calls',
        'The assistant kept making tool calls that arrived empty, so this turn was stopped. ' +
          'Please try again; asking for the work in smaller steps can help.',
        { retryable: true },
      );
      return `This turn is ending: ${this.#emptyCalls} tool calls in a row arrived with empty arguments.`;
    }
    const { toolName, required } = options;
    return (
      `Your call to ${toolName} arrived with empty arguments, but ${required.join(', ')} ` +
      `${required.length === 1 ? 'is' : 'are'} required. If you meant to send a large value, it was ` +
      'probably cut off on the way: send it in smaller parts' +
      (options.canAppend
        ? ` (the first part with one ${toolName} call, then each further part with ${toolName} and append: true)`
        : '') +
      `. Otherwise, call ${toolName} again with every required argument.`
    );
  }

  recordNonEmptyCall(): void {
    this.#emptyCalls = 0;
  }

  /** The text the model gets instead of running a call that keeps failing, or null to run it. */
  refusal(options: { toolName: string; input: unknown }): string | null {
    const failures = this.#failures.get(callKey(options)) ?? 0;
    if (failures < maxIdenticalFailures) return null;
    return (
      `STOP: ${options.toolName} has failed ${failures} times in a row with these same arguments. ` +
      'Do not retry this call. Change your approach (other arguments or another tool), or answer ' +
      'the user directly; if you were writing content to a file, give the content in your reply instead.'
    );
  }

  recordResult(options: { toolName: string; input: unknown; isError: boolean }): void {
    const key = callKey(options);
    if (options.isError) this.#failures.set(key, (this.#failures.get(key) ?? 0) + 1);
    else this.#failures.delete(key);
  }
}

/** Same tool and the same input whatever its key order; hashed, as an input can be megabytes. */
function callKey(options: { toolName: string; input: unknown }): string {
  return createHash('sha256')
    .update(options.toolName)
    .update('\0')
    .update(canonicalJson(options.input))
    .digest('hex');
}

/** JSON with object keys sorted at every depth; `undefined` reads as `null`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortKeys(record[key])]),
  );
}
