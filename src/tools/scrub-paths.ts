import { realpath } from 'node:fs/promises';

/** An absolute path in running text: a `/` at the start of a word, up to a quote, space or bracket. */
const absolutePath = /(^|[\s'"`(=[,])\/[^\s'"`)\],]+/g;

/**
 * A tool error as the model and the client may see it: paths inside the workspace relative to its
 * root, and (with `hideOthers`) every other absolute path replaced, so no server location (data
 * directory, home, temp folders) leaks through an error message.
 */
export async function scrubPaths(options: {
  message: string;
  workspaceDir: string;
  hideOthers: boolean;
}): Promise<string> {
  const roots = new Set([options.workspaceDir.replace(/\/+$/, '')]);
  const real = await realpath(options.workspaceDir).catch(() => null);
  if (real) roots.add(real);
  let message = options.message;
  for (const root of [...roots].sort((a, b) => b.length - a.length)) {
    message = message
      .replaceAll(`${root}/`, '')
      .replace(new RegExp(`${escapeRegExp(root)}(?![^\\s'"\`)\\],])`, 'g'), '.');
  }
  return options.hideOthers ? message.replace(absolutePath, '$1<server path>') : message;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
