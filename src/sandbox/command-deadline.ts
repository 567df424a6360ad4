/**
 * Ends a running command at its timeout or when the turn's signal aborts, whichever comes first,
 * and says which it was. The signal must not be aborted yet; `dispose` once the command has ended.
 */
export class CommandDeadline {
  #timedOut = false;
  #aborted = false;
  readonly #timer: NodeJS.Timeout;
  readonly #signal: AbortSignal;
  readonly #onAbort: () => void;

  constructor(options: { timeoutMs: number; signal: AbortSignal; kill: () => void }) {
    this.#signal = options.signal;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      options.kill();
    }, options.timeoutMs);
    this.#onAbort = () => {
      this.#aborted = true;
      options.kill();
    };
    options.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}
