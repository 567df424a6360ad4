/**
 * When the fake first received a model request for each prompt, on this process's clock. Keyed by
 * prompt, so a title request or a second call in the same turn cannot be taken for the main one.
 */
export class PromptArrivals {
  readonly #firstAt = new Map<string, number>();

  mark(prompt: string): void {
    if (!this.#firstAt.has(prompt)) this.#firstAt.set(prompt, performance.now());
  }

  /** Returns and forgets the prompt's arrival; throws if the fake never saw it. */
  take(prompt: string): number {
    const arrivedAt = this.#firstAt.get(prompt);
    if (arrivedAt === undefined) throw new Error(`the fake received no model request for "${prompt}"`);
    this.#firstAt.delete(prompt);
    return arrivedAt;
  }
}
