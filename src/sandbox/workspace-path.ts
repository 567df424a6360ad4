import { readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { hasErrorCode, isMissing } from '../util/error-code.ts';

export class PathError extends Error {
  override name = 'PathError';
}

const maxPathChars = 1024;
const maxSegmentBytes = 255;
const maxLinksFollowed = 40;
/** Characters that render like `.` or `/` (one- and two-dot leaders, fullwidth and small forms, division and fraction slashes). */
const lookAlikes = /[\u2024\u2025\uFE52\uFF0E\u2215\u2044\u29F8\u2571\uFF0F\u29F5\u29F9\uFE68\uFF3C]/u;

/**
 * Resolves a tool's path argument inside the workspace, or throws a PathError whose message
 * the model can act on. Refuses `..` segments, absolute paths elsewhere, NUL bytes, over-long
 * names, and symlinks (anywhere along the path) that lead outside the workspace.
 *
 * A tool's path is also refused for what would mislead the model: a backslash, a leading `~`,
 * look-alikes of `.` and `/`. With `names: 'literal'` (a path taken from the workspace's own
 * listing, as the download route is given) those are name characters like any other, since a
 * command in the sandbox may have made a file named so.
 */
export async function resolveWorkspacePath(options: {
  workspaceDir: string;
  path: string;
  names?: 'literal';
}): Promise<string> {
  const { path } = options;
  if (path.includes('\0')) throw new PathError('Path contains a NUL byte.');
  if (path.length > maxPathChars) throw new PathError(`Path is longer than ${maxPathChars} characters.`);
  if (options.names !== 'literal') refuseMisleading(path);
  const segments = path.split(options.names === 'literal' ? /\/+/ : /[\\/]+/);
  if (segments.includes('..')) {
    throw new PathError(`Path "${path}" contains "..": paths must stay inside the workspace.`);
  }
  if (segments.some((segment) => Buffer.byteLength(segment) > maxSegmentBytes)) {
    throw new PathError(`A path segment is longer than ${maxSegmentBytes} bytes.`);
  }

  const root = await realpath(options.workspaceDir);
  const target = join(root, relativeToWorkspace({ root, workspaceDir: options.workspaceDir, path }));
  const real = await realpathOfDeepestExisting(target);
  if (!isInside({ root, path: real })) {
    throw new PathError(`Path "${path}" leads outside the workspace through a symbolic link.`);
  }
  return target;
}

function refuseMisleading(path: string): void {
  if (path.includes('\\')) {
    throw new PathError(`Path "${path}" contains a backslash: separate folders with "/".`);
  }
  if (path.startsWith('~')) {
    throw new PathError(
      `Path "${path}" starts with "~", which is not expanded: use a path relative to the workspace.`,
    );
  }
  if (lookAlikes.test(path)) {
    throw new PathError(
      `Path "${path}" contains a character that looks like "." or "/"; use the plain characters.`,
    );
  }
}

/** A relative path as is; an absolute one only if it names a place inside the workspace. */
function relativeToWorkspace(options: { root: string; workspaceDir: string; path: string }): string {
  const { root, path } = options;
  if (!isAbsolute(path)) return path;
  for (const base of [root, resolve(options.workspaceDir)]) {
    if (isInside({ root: base, path: resolve(path) })) return relative(base, resolve(path));
  }
  throw new PathError(`Path "${path}" is outside the workspace. Use a path relative to the workspace root.`);
}

export function isInside(options: { root: string; path: string }): boolean {
  const { root, path } = options;
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The realpath of `path`, or of its deepest existing ancestor joined with the rest. A dangling
 * symlink counts as its target: writing through it would create the target.
 */
async function realpathOfDeepestExisting(path: string, linksFollowed = 0): Promise<string> {
  let current = path;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = await realpath(current);
      return rest.length > 0 ? join(real, ...rest.reverse()) : real;
    } catch (error) {
      if (hasErrorCode({ error, code: 'ELOOP' }))
        throw new PathError('Path has too many levels of symbolic links.');
      if (!isMissing(error)) throw error;
      const link = await readlink(current).catch(() => null);
      if (link !== null) {
        if (linksFollowed >= maxLinksFollowed)
          throw new PathError('Path has too many levels of symbolic links.');
        const target = resolve(dirname(current), link);
        return realpathOfDeepestExisting(join(target, ...rest.reverse()), linksFollowed + 1);
      }
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(current.slice(parent.length + 1));
      current = parent;
    }
  }
}
