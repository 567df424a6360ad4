import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The commit the figures belong to, marked when `src/` has uncommitted changes, so a reader can tell
 * which code a run measured. Falls back to "unknown" outside a git checkout.
 */
export async function describeRevision(options: { directory: string }): Promise<string> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: options.directory });
    const { stdout: changes } = await run('git', ['status', '--porcelain', '--', 'src'], {
      cwd: options.directory,
    });
    return `${commit.trim()}${changes.trim() ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}
