import { z } from 'zod';
import {
  defaultExecTimeoutMs,
  maxExecTimeoutMs,
  type Sandbox,
  SandboxUnavailableError,
} from '../sandbox/sandbox.ts';
import { DiskFullError, diskAdvice } from '../util/disk-floor.ts';
import { type AnyToolDefinition, defineTool, ToolError } from './tool.ts';

export const bashExecToolName = 'bash_exec';

/**
 * `bash_exec`: a shell command in the session's sandbox, never on the host. The timeout defaults
 * to 30 s and is capped at 120 s; a longer request is clamped, not refused.
 */
export function createBashExecTool(options: { sandbox: Sandbox }): AnyToolDefinition {
  const { sandbox } = options;
  return defineTool({
    name: bashExecToolName,
    holdsWorkspace: true,
    description:
      'Run a shell command (/bin/sh) in an isolated sandbox whose working folder is the session workspace ' +
      `(the same files the file tools see). ${sandbox.description} The timeout is ` +
      `${defaultExecTimeoutMs / 1000} s by default and at most ${maxExecTimeoutMs / 1000} s. ` +
      'Prefer the file tools for reading and editing files.',
    inputSchema: z.object({
      command: z.string().min(1).max(100_000).describe('Shell command line, run with /bin/sh -c'),
      timeoutSeconds: z
        .number()
        .positive()
        .optional()
        .describe(
          `Seconds before the command is killed (default ${defaultExecTimeoutMs / 1000}, at most ${maxExecTimeoutMs / 1000})`,
        ),
    }),
    async execute(input, context) {
      const requestedMs =
        input.timeoutSeconds === undefined ? defaultExecTimeoutMs : input.timeoutSeconds * 1000;
      const timeoutMs = Math.min(maxExecTimeoutMs, Math.max(1000, Math.round(requestedMs)));
      try {
        const result = await sandbox.exec({
          sessionId: context.sessionId,
          workspaceDir: context.workspaceDir,
          command: input.command,
          timeoutMs,
          signal: context.signal,
        });
        const note = result.timedOut
          ? `The command was killed after ${timeoutMs / 1000} s (its timeout).`
          : result.aborted
            ? 'The command was stopped.'
            : result.diskFull !== undefined
              ? `The command was killed: ${result.diskFull}. ${diskAdvice}`
              : undefined;
        return {
          output: {
            exitCode: result.exitCode,
            stdout: result.stdout,
            stderr: result.stderr,
            timedOut: result.timedOut,
            truncated: result.truncated,
            ...(note ? { note } : {}),
          },
          isError: result.timedOut || result.aborted || result.diskFull !== undefined,
        };
      } catch (error) {
        if (error instanceof DiskFullError) throw new ToolError(`disk_full: ${error.message}`);
        if (error instanceof SandboxUnavailableError) {
          throw new ToolError(
            `sandbox_unavailable: ${error.message} Commands are never run outside the sandbox.`,
          );
        }
        throw error;
      }
    },
  });
}
