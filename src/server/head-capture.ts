/** Keeps the first bytes of a stream as it passes through, so an upload is read only once. */
export class HeadCapture {
  readonly #chunks: Uint8Array[] = [];
  readonly #limit: number;
  #size = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  async *pass(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      if (this.#size < this.#limit) {
        const kept = chunk.subarray(0, this.#limit - this.#size);
        this.#chunks.push(Uint8Array.from(kept));
        this.#size += kept.byteLength;
      }
      yield chunk;
    }
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.#chunks);
  }
}
