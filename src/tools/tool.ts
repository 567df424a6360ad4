import type { z } from 'zod';
import type { Logger } from '../util/logger.ts';

export interface ToolContext {
  sessionId: string;
  turnId: string;
  workspaceDir: string;
  signal: AbortSignal;
  logger: Logger;
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
