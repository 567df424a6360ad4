import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { openWorkspaceFile } from '../sandbox/open-workspace-file.ts';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { hasErrorCode } from '../util/error-code.ts';

/** Where whole tool outputs too large for the model are kept, relative to the workspace root. */
export const toolOutputsFolder = '.autopilot/tool-outputs';
const maxStemChars = 64;
const maxAttempts = 100;

/**
 * Writes `text` to a new file under `toolOutputsFolder` and returns its workspace-relative path.
 * Never overwrites: a repeated tool call id gets a numbered name.
 */
export async function saveToolOutput(options: {
  workspaceDir: string;
  toolCallId: string;
  text: string;
  extension: 'txt' | 'json';
}): Promise<string> {
  const { workspaceDir } = options;
  const stem = `${toolOutputsFolder}/${toFileStem(options.toolCallId)}`;
  for (let attempt = 1; ; attempt++) {
    const path = `${stem}${attempt === 1 ? '' : `-${attempt}`}.${options.extension}`;
    const file = await resolveWorkspacePath({ workspaceDir, path });
    await mkdir(dirname(file), { recursive: true });
    // Re-check after creating folders: a symlinked folder must not redirect the write.
    await resolveWorkspacePath({ workspaceDir, path });
    try {
      // `wx` refuses an existing name, a symlink included.
      const { handle } = await openWorkspaceFile({ workspaceDir, path, mode: 'create' });
      try {
        await handle.writeFile(options.text, 'utf8');
      } finally {
        await handle.close();
      }
      return path;
    } catch (error) {
      if (!hasErrorCode(error, 'EEXIST') || attempt >= maxAttempts) throw error;
    }
  }
}

/**
 * A file name stem made from a tool call id, which comes from the model and may hold anything.
 * Safe ids are kept as they are; any other gets only its safe characters plus a hash of the
 * original, so two different ids never share a name.
 */
export function toFileStem(toolCallId: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(toolCallId) && toolCallId.length <= maxStemChars) return toolCallId;
  const cleaned = toolCallId
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, maxStemChars - 13);
  const hash = createHash('sha256').update(toolCallId).digest('hex').slice(0, 12);
  return `${cleaned || 'call'}-${hash}`;
}
