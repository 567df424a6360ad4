import type { z } from 'zod';
import type { Logger } from '../util/logger.ts';

export interface ToolContext {
  sessionId: string;
  turnId: string;
  workspaceDir: string;
  signal: AbortSignal;
  logger: Logger;
  /** The free space kept on the workspace's disk by what the executor saves there (1 GiB unless given). */
  minFreeDiskBytes?: number;
}

/** What a tool returns: `output` goes to the stream and the stored message; the model gets its text. */
export interface ToolResult {
  output: unknown;
  isError?: boolean;
}

export interface ToolDefinition<Input = unknown> {
  name: string;
  description: string;
  inputSchema: z.ZodType<Input>;
  execute(input: Input, context: ToolContext): Promise<ToolResult>;
  /**
   * Runs code that can change the workspace while it runs (a sandboxed command): it holds the
   * workspace alone, and no other tool runs meanwhile (`workspace-access.ts`).
   */
  holdsWorkspace?: boolean;
}

/** One call of a tool by the model. */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** A call's result once the executor has run it: what is shown, stored, and read by the model. */
export interface ToolOutcome {
  /** What the stream and the stored message show: at most 100,000 characters as JSON text. */
  output: unknown;
  isError: boolean;
  /** What the model reads: at most 70,000 characters, pointing to a saved file when cut. */
  modelText: string;
}

/** A failure the model should read and can act on (bad path, missing file…). */
export class ToolError extends Error {
  override name = 'ToolError';
}

// Tools of different input types live in one registry; their inputs are validated by their own schema.
// biome-ignore lint/suspicious/noExplicitAny: the registry erases each tool's input type on purpose.
export type AnyToolDefinition = ToolDefinition<any>;

export function defineTool<Input>(tool: ToolDefinition<Input>): ToolDefinition<Input> {
  return tool;
}
