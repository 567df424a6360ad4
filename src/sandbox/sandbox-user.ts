import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const runFile = promisify(execFile);
const firstUid = 200_000;
const uidCount = 60_000;

/** Whether this server runs as root, and so must drop sandboxed processes to another uid. */
export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The unprivileged uid a session's sandboxed processes run as when the server itself runs as
 * root. Root is exempt from RLIMIT_NPROC, so a fork bomb is only contained under another uid; one
 * per session keeps one session's processes from eating another's allowance.
 */
export function sandboxUidOf(sessionId: string): number {
  const hash = createHash('sha256').update(`sandbox-uid:${sessionId}`).digest();
  return firstUid + (hash.readUInt32BE(0) % uidCount);
}

/**
 * Gives folders to the session's uid. `chown -R -P` works relative to open folders and never
 * follows a symlink, so a link swapped in while it walks cannot redirect it onto the host.
 */
export async function handOver(options: { folders: string[]; uid: number }): Promise<void> {
  const owner = `${options.uid}:${options.uid}`;
  await runFile('/bin/chown', ['-R', '-P', '--no-dereference', owner, ...options.folders]);
}
