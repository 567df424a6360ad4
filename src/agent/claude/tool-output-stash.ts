export interface StashedOutput {
  output: unknown;
  isError: boolean;
}

/**
 * Full tool outputs, keyed by the tool use id the CLI gives each MCP call, kept until the tool
 * result is shown. The CLI may shorten what it passes on; keying by id means parallel calls to
 * the same tool can never swap outputs.
 */
export class ToolOutputStash {
  readonly #outputs = new Map<string, StashedOutput>();

  put(toolUseId: string, output: StashedOutput): void {
    this.#outputs.set(toolUseId, output);
  }

  take(toolUseId: string): StashedOutput | undefined {
    const output = this.#outputs.get(toolUseId);
    this.#outputs.delete(toolUseId);
    return output;
  }
}
