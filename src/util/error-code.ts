/** Whether a Node system error carries `code` (ENOENT, EEXIST…). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

/** A path that does not exist (or runs through a file where a folder should be). */
export function isMissing(error: unknown): boolean {
  return hasErrorCode(error, 'ENOENT') || hasErrorCode(error, 'ENOTDIR');
}
