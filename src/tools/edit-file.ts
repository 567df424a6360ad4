import type { FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { openWorkspaceFile } from '../sandbox/open-workspace-file.ts';
import { type DiskRoomReader, diskAdvice, NoDiskRoomError, writeWithinFloor } from '../util/disk-floor.ts';
import { isMissing } from '../util/error-code.ts';
import { defineTool, ToolError, type ToolResult } from './tool.ts';

const maxEditBytes = 10 * 1024 * 1024;

/** `minFreeDiskBytes`: as for write_file, an edit whose file would cross the disk's floor is refused. */
export function createEditFileTool(options: { minFreeDiskBytes: number; readRoom?: DiskRoomReader }) {
  return defineTool({
    name: 'edit_file',
    description:
      'Replace an exact piece of text in an existing file of the session workspace. Read the file first: ' +
      '`old_text` must match the file exactly, including whitespace, indentation and line breaks. ' +
      'It must occur exactly once; include a few surrounding lines to make it unique, or set `replace_all` ' +
      'to replace every occurrence (e.g. to rename something). Prefer this over rewriting a whole file with write_file.',
    inputSchema: z.object({
      path: z.string().describe('File path relative to the workspace root'),
      old_text: z.string().min(1).describe('The exact text to replace, copied from the file'),
      new_text: z.string().describe('The text to put in its place (may be empty to delete it)'),
      replace_all: z.boolean().optional().describe('Replace every occurrence (default false)'),
    }),
    async execute(input, context) {
      // Opened for writing from the start: the file read is the file written, verified once.
      const { handle, size } = await openWorkspaceFile({
        workspaceDir: context.workspaceDir,
        path: input.path,
        mode: 'edit',
      }).catch((error: unknown) => {
        if (isMissing(error)) {
          throw new ToolError(
            `File "${input.path}" does not exist in the workspace. Use write_file to create a new file.`,
          );
        }
        throw error;
      });
      try {
        return await replaceInFile({
          handle,
          size,
          input,
          room: {
            workspaceDir: context.workspaceDir,
            minFreeDiskBytes: options.minFreeDiskBytes,
            readRoom: options.readRoom,
          },
        });
      } finally {
        await handle.close();
      }
    },
  });
}

async function replaceInFile(options: {
  handle: FileHandle;
  size: number;
  input: { path: string; old_text: string; new_text: string; replace_all?: boolean };
  room: { workspaceDir: string; minFreeDiskBytes: number; readRoom?: DiskRoomReader };
}): Promise<ToolResult> {
  const { handle, size, input } = options;
  if (size > maxEditBytes) {
    throw new ToolError(
      `File "${input.path}" is ${size} bytes; files over ${maxEditBytes} bytes cannot be edited.`,
    );
  }
  const bytes = await handle.readFile();
  if (bytes.includes(0)) throw new ToolError(`File "${input.path}" is not a text file; it cannot be edited.`);
  const text = bytes.toString('utf8');
  if (input.old_text === input.new_text) {
    throw new ToolError('old_text and new_text are identical: there is nothing to change.');
  }

  const parts = text.split(input.old_text);
  const occurrences = parts.length - 1;
  if (occurrences === 0) {
    throw new ToolError(
      `old_text was not found in "${input.path}". It must match the file exactly, including whitespace ` +
        'and indentation. Read the file again and copy the text to replace from it.',
    );
  }
  if (occurrences > 1 && input.replace_all !== true) {
    throw new ToolError(
      `old_text occurs ${occurrences} times in "${input.path}". Include more surrounding lines so it ` +
        'matches exactly one place, or set replace_all to true to replace every occurrence.',
    );
  }
  // Counted before the text is joined: a long new_text replaced everywhere would multiply the file.
  const updatedBytes =
    Buffer.byteLength(text) +
    occurrences * (Buffer.byteLength(input.new_text) - Buffer.byteLength(input.old_text));
  if (updatedBytes > maxEditBytes) {
    throw new ToolError(
      `The edit would make "${input.path}" ${updatedBytes} bytes; files over ${maxEditBytes} bytes cannot be edited.`,
    );
  }
  // Joining, not String.replace: `$&` and friends in new_text must stay literal.
  const updated = Buffer.from(parts.join(input.new_text), 'utf8');
  // The whole file is written again, and truncating it need not free its size (a copy sharing its
  // blocks): it is counted whole.
  await writeWithinFloor(
    {
      path: options.room.workspaceDir,
      bytes: updated.length,
      minFreeBytes: options.room.minFreeDiskBytes,
      readRoom: options.room.readRoom,
    },
    async () => {
      await handle.truncate(0);
      await handle.write(updated, 0, updated.length, 0);
    },
  ).catch((error: unknown) => {
    if (error instanceof NoDiskRoomError) {
      throw new ToolError(`disk_full: ${error.shortfall}. The file was not changed. ${diskAdvice}`);
    }
    throw error;
  });
  return { output: { path: input.path, replacements: occurrences } };
}
