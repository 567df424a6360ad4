/** Tolerant readers for untrusted JSON bodies: a fake must accept anything a real client sends. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readString(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

export function readArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function readRecords(value: unknown): Record<string, unknown>[] {
  return readArray(value).filter(isRecord);
}

/** Roughly four characters per token, the usual rule of thumb for English text. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
