/**
 * Tests only, never from configuration: switches that take one protection away from the Claude
 * Code process, so that a test proves the next one holds on its own. A test of a protection must
 * be able to fail.
 */
export interface ClaudeTestOptions {
  /** Entries laid over the CLI's environment; null removes one. */
  environmentOverrides?: Record<string, string | null>;
  /** The CLI's own reading of user text (file mentions, slash commands) stays on, to prove confinement. */
  interpretsUserText?: boolean;
  /**
   * Built-ins offered to the CLI and its sub-agents besides `Agent`, so that the tool policy hook is
   * the only thing between them and the machine.
   */
  unguardedCliTools?: string[];
}
