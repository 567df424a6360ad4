import { defaultMinFreeDiskBytes, NoDiskRoomError, writeWithinFloor } from '../util/disk-floor.ts';
import type { Logger } from '../util/logger.ts';
import { saveToolOutput } from './save-tool-output.ts';
import { withWorkspaceAccess } from './workspace-access.ts';

/** The stream and the stored message show at most this much of one tool output. */
export const maxShownOutputChars = 100_000;
/**
 * The model reads at most this much of one tool output. It stays below the Claude Code CLI's own
 * large-result threshold (about 81,000 characters), above which the CLI spills the result to a
 * file of its own and the model sees a reference instead.
 */
export const maxModelTextChars = 70_000;
/** What one suggested `read_file` piece of a saved output should stay under. */
const pieceChars = 40_000;
const maxSuggestedLines = 2000;

export interface LimitedOutput {
  /** At most `maxShownOutputChars` as JSON text; a string when it had to be cut. */
  output: unknown;
  /** At most `maxModelTextChars`. */
  modelText: string;
}

/**
 * Caps one tool output for the stream and for the model. An output the model cannot read whole
 * is saved in the workspace, and the model is told where it is and how to read it in pieces.
 */
export async function limitToolOutput(options: {
  output: unknown;
  toolName: string;
  toolCallId: string;
  /** Where a long output is saved; null saves nothing (the model gets the preview only). */
  workspaceDir: string | null;
  /** The free space a saved output must leave on the workspace's disk (1 GiB unless given); below it nothing is saved. */
  minFreeDiskBytes?: number;
  /** The tool the model can page through a saved output with, if it has one. */
  readToolName: string | null;
  logger: Logger;
}): Promise<LimitedOutput> {
  const { output } = options;
  const text = typeof output === 'string' ? output : jsonText(output);
  if (text.length <= maxModelTextChars) return { output, modelText: text };

  // Indented, so that a large list can be paged by lines.
  const fileText = typeof output === 'string' ? output : (JSON.stringify(output, null, 2) ?? '');
  const { workspaceDir } = options;
  const savedPath =
    workspaceDir === null
      ? null
      : await writeWithinFloor(
          {
            path: workspaceDir,
            bytes: Buffer.byteLength(fileText),
            minFreeBytes: options.minFreeDiskBytes ?? defaultMinFreeDiskBytes,
          },
          () =>
            saveToolOutput({
              workspaceDir,
              toolCallId: options.toolCallId,
              text: fileText,
              extension: typeof output === 'string' ? 'txt' : 'json',
            }),
        ).catch((error: unknown) => {
          if (error instanceof NoDiskRoomError) {
            options.logger.warn(
              { tool: options.toolName, toolCallId: options.toolCallId, shortfall: error.shortfall },
              'a large tool output was not saved: the disk is below its floor; the model gets a preview only',
            );
            return null;
          }
          options.logger.error(
            { err: error, tool: options.toolName, toolCallId: options.toolCallId },
            'saving a large tool output failed; the model gets a preview only',
          );
          return null;
        });
  return {
    output:
      text.length <= maxShownOutputChars
        ? output
        : truncateMiddle({
            text,
            maxChars: maxShownOutputChars,
            note: savedPath ? `the whole output is saved in the workspace at ${savedPath}` : undefined,
          }),
    modelText: previewForModel({ ...options, fileText, savedPath }),
  };
}

function previewForModel(options: {
  fileText: string;
  toolName: string;
  savedPath: string | null;
  readToolName: string | null;
}): string {
  const { fileText, toolName, savedPath, readToolName } = options;
  const lines = fileText === '' ? [] : fileText.replace(/\n$/, '').split('\n');
  const size = `${formatCount(fileText.length)} characters in ${formatCount(lines.length)} line${lines.length === 1 ? '' : 's'}`;
  let header: string;
  if (!savedPath) {
    header =
      `[The output of ${toolName} is ${size}, too large to show in full, and it could not be saved. ` +
      'Its beginning and end follow; to see the rest, repeat the request asking for less.]';
  } else {
    header = `[The output of ${toolName} is ${size}, too large to show in full. The whole output is saved in the workspace at "${savedPath}".`;
    if (readToolName) {
      const longestLine = lines.reduce((longest, line) => Math.max(longest, line.length), 0);
      const averageLine = Math.max(1, fileText.length / Math.max(1, lines.length));
      const limit = Math.min(maxSuggestedLines, Math.max(1, Math.floor(pieceChars / averageLine)));
      header +=
        ` Read it in pieces with ${readToolName} (offset is the first line, from 1; limit is the number of lines): ` +
        `${JSON.stringify({ path: savedPath, offset: 1, limit })}, then offset ${limit + 1}, and so on.` +
        (longestLine > pieceChars
          ? ` Some lines are up to ${formatCount(longestLine)} characters long and cannot be read whole; repeating the original request asking for less may work better.`
          : '');
    }
    header += ' Its beginning and end follow.]';
  }
  header += '\n\n';
  return header + truncateMiddle({ text: fileText, maxChars: maxModelTextChars - header.length });
}

/**
 * Keeps the beginning and the end of `text` and replaces the middle with a marker saying how
 * much was cut, so that the result is at most `maxChars` long. Never splits a surrogate pair.
 */
export function truncateMiddle(options: { text: string; maxChars: number; note?: string }): string {
  const { text, maxChars, note } = options;
  if (text.length <= maxChars) return text;
  const marker = (cut: number) =>
    `\n\n[… ${formatCount(cut)} of ${formatCount(text.length)} characters cut from the middle${note ? `; ${note}` : ''} …]\n\n`;
  // The marker for the largest possible cut is at least as long as the real one.
  const keep = Math.max(0, maxChars - marker(text.length).length);
  let headEnd = Math.ceil(keep / 2);
  let tailStart = text.length - (keep - headEnd);
  if (isLowSurrogate(text.charCodeAt(headEnd))) headEnd -= 1;
  if (isLowSurrogate(text.charCodeAt(tailStart))) tailStart += 1;
  return text.slice(0, headEnd) + marker(tailStart - headEnd) + text.slice(tailStart);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? '';
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/**
 * `limitToolOutput` under a shared hold of the workspace, since a long output is saved there by
 * path and a command could swap the folder meanwhile. Once the turn is stopped it waits for no
 * command and saves nothing: a stop must not wait for the command it stops.
 */
export async function limitToolOutputInWorkspace(
  options: Parameters<typeof limitToolOutput>[0] & { workspaceDir: string; signal: AbortSignal },
): Promise<LimitedOutput> {
  const { signal, ...limits } = options;
  try {
    return await withWorkspaceAccess({
      workspaceDir: limits.workspaceDir,
      mode: 'shared',
      signal,
      work: () => limitToolOutput(limits),
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    return limitToolOutput({ ...limits, workspaceDir: null });
  }
}
