import { readFile } from 'node:fs/promises';
import type { PromptImage } from '../agent/agent-runtime.ts';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { attachmentsOf } from '../store/message-attachments.ts';
import type { StoredMessage } from '../store/session-store.ts';
import { imageMediaTypes, sniffImageMediaType } from '../util/image-media-type.ts';
import type { Logger } from '../util/logger.ts';

const maxImageBytes = 20 * 1024 * 1024;

/**
 * The images attached to the turn's user messages, read from their workspace copies, so the
 * model sees them and not only their names. One that cannot be read is left to the hint. The
 * bytes are checked again here (a record may predate content sniffing, and the workspace copy is
 * writable): only bytes that are an image go as one, with the type they really are.
 */
export async function loadPromptImages(options: {
  messages: StoredMessage[];
  workspaceDir: string;
  logger: Logger;
}): Promise<PromptImage[]> {
  const images: PromptImage[] = [];
  for (const message of options.messages) {
    for (const attachment of attachmentsOf(message)) {
      if (!imageMediaTypes.has(attachment.mediaType) || attachment.size > maxImageBytes) continue;
      try {
        const file = await resolveWorkspacePath({
          workspaceDir: options.workspaceDir,
          path: attachment.path,
        });
        const data = await readFile(file);
        const mediaType = data.byteLength <= maxImageBytes ? await sniffImageMediaType(data) : null;
        if (mediaType) images.push({ mediaType, data });
        else options.logger.warn({ file: attachment.fileId }, 'an attachment named as an image is not one');
      } catch (error) {
        options.logger.warn({ err: error, file: attachment.fileId }, 'an attached image could not be read');
      }
    }
  }
  return images;
}
