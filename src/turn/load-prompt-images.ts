import { readFile } from 'node:fs/promises';
import type { PromptImage } from '../agent/agent-runtime.ts';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { attachmentsOf } from '../store/message-attachments.ts';
import type { StoredMessage } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';

/** Image types models take as content blocks (SPEC §4.6), up to 20 MiB each. */
const imageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const maxImageBytes = 20 * 1024 * 1024;

/**
 * The images attached to the turn's user messages, read from their workspace copies, so the
 * model sees them and not only their names. One that cannot be read is left to the hint.
 */
export async function loadPromptImages(options: {
  messages: StoredMessage[];
  workspaceDir: string;
  logger: Logger;
}): Promise<PromptImage[]> {
  const images: PromptImage[] = [];
  for (const message of options.messages) {
    for (const attachment of attachmentsOf(message)) {
      if (!imageTypes.has(attachment.mediaType) || attachment.size > maxImageBytes) continue;
      try {
        const file = await resolveWorkspacePath({
          workspaceDir: options.workspaceDir,
          path: attachment.path,
        });
        images.push({ mediaType: attachment.mediaType, data: await readFile(file) });
      } catch (error) {
        options.logger.warn({ err: error, file: attachment.fileId }, 'an attached image could not be read');
      }
    }
  }
  return images;
}
