import { realpath } from 'node:fs/promises';

/**
 * An absolute path in running text or a shell command: a `/` at the start of a word or right
 * after a shell operator (`>`, `|`, `;`, `:` of a PATH…), up to a quote, space, bracket or
 * operator. `//` is not a start: `https://host/path` stays whole.
 */
const absolutePath = /(^|[\s'"`(=[,|;&<>{}:])\/(?!\/)[^\s'"`)\],|;&<>{}:]+/g;

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
  const roots = await workspaceRoots(options.workspaceDir);
  return scrubPathsUnder({ message: options.message, roots, hideOthers: options.hideOthers });
}

/** The workspace folder as given and as resolved: a tool may have been handed either. */
export async function workspaceRoots(workspaceDir: string): Promise<string[]> {
  const roots = new Set([workspaceDir.replace(/\/+$/, '')]);
  const real = await realpath(workspaceDir).catch(() => null);
  if (real) roots.add(real);
  return [...roots];
}

/** `scrubPaths` with the workspace roots already resolved (`workspaceRoots`), for synchronous callers. */
export function scrubPathsUnder(options: { message: string; roots: string[]; hideOthers: boolean }): string {
  let message = options.message;
  for (const root of [...options.roots].sort((a, b) => b.length - a.length)) {
    message = message
      .replaceAll(`${root}/`, '')
      .replace(new RegExp(`${escapeRegExp(root)}(?![^\\s'"\`)\\],])`, 'g'), '.');
  }
  return options.hideOthers ? message.replace(absolutePath, '$1<server path>') : message;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
