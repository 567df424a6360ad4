import { randomUUID } from 'node:crypto';

/**
 * Tool call ids unique within one run of the step loop (a turn's attempt). The recorder, the
 * stored history and the UI key a call by its id, and some OpenAI-compatible servers number calls
 * per response (`list_dir:0` again in every step): the later call would be taken for the earlier
 * one, neither shown nor stored though it ran. A repeated id is replaced by a new one, the same in
 * the events and in the history sent back to the model, so the model still sees each call paired
 * with its own result.
 */
export class TurnToolCallIds {
  readonly #used = new Set<string>();
  /** This step's announced calls not yet given whole: the id the model sent → the one we use. */
  #announced = new Map<string, string>();

  startStep(): void {
    this.#announced = new Map();
  }

  /** The id of a call being announced (`tool-input-start`). */
  announce(wireId: string): string {
    const id = this.#unique(wireId);
    this.#announced.set(wireId, id);
    return id;
  }

  /** The id of a call given whole (`tool-call`): the one its announcement got, else a new one. */
  call(wireId: string): string {
    const announced = this.#announced.get(wireId);
    if (announced === undefined) return this.#unique(wireId);
    this.#announced.delete(wireId);
    return announced;
  }

  #unique(wireId: string): string {
    const id = wireId !== '' && !this.#used.has(wireId) ? wireId : `call_${randomUUID()}`;
    this.#used.add(id);
    return id;
  }
}
