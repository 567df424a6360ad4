/** Whether a Node system error carries `code` (ENOENT, EEXIST…). */
export function hasErrorCode(options: { error: unknown; code: string }): boolean {
  const { error, code } = options;
  return error instanceof Error && 'code' in error && error.code === code;
}

/** A path that does not exist (or runs through a file where a folder should be). */
export function isMissing(error: unknown): boolean {
  return hasErrorCode({ error, code: 'ENOENT' }) || hasErrorCode({ error, code: 'ENOTDIR' });
}
