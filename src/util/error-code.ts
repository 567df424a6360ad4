/** Whether a Node system error carries `code` (ENOENT, EEXIST…). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
