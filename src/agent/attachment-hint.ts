import { attachmentsOf } from '../store/message-attachments.ts';
import type { HistoryMessage } from './agent-runtime.ts';

/**
 * A user message as the model sees it: its text, then (when it carries files) a hint naming
 * each file and where its copy is in the workspace. The one place the hint is written, so the
 * new prompt and every replay of history say the same.
 */
export function userMessageText(message: Pick<HistoryMessage, 'content' | 'metadata'>): string {
  const attachments = attachmentsOf(message);
  if (attachments.length === 0) return message.content;
  const lines = attachments.map(
    (file) => `- ${file.name} (${file.mediaType}, ${file.size} bytes) at ${file.path}`,
  );
  return [
    message.content,
    '',
    '<attachments>',
    'The user attached these files. Copies are in your workspace; use read_file / list_files to look at them.',
    ...lines,
    '</attachments>',
  ].join('\n');
}
