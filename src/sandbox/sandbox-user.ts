import { createHash } from 'node:crypto';

const firstUid = 200_000;
const uidCount = 60_000;

/**
 * The unprivileged uid a session's commands run as when the server itself runs as root. Root is
 * exempt from RLIMIT_NPROC, so a fork bomb is only contained under another uid; one per session
 * keeps one session's processes from eating another's allowance.
 */
export function sandboxUidOf(sessionId: string): number {
  const hash = createHash('sha256').update(`sandbox-uid:${sessionId}`).digest();
  return firstUid + (hash.readUInt32BE(0) % uidCount);
}
