const maxChars = 200;
/** File systems allow 255 bytes per name; a numbered copy (`name (2).txt`) needs a few more. */
const maxBytes = 240;
const maxExtensionChars = 16;

/**
 * A user-supplied file name made safe to show and to use as one path segment: only its last
 * segment (no `/` or `\`), without control or invisible format characters (which can disguise
 * an extension), never `.` or `..`, at most 200 characters and 240 UTF-8 bytes, keeping the extension.
 */
export function toSafeFileName(raw: string): string {
  const lastSegment = raw.split(/[\\/]/).at(-1) ?? '';
  const cleaned = lastSegment.replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '').trim();
  const name = /^\.*$/.test(cleaned) ? 'file' : cleaned;
  return fitName(name);
}

function fitName(name: string): string {
  if (fits(name)) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= maxExtensionChars ? name.slice(dot) : '';
  const stem = Array.from(name.slice(0, name.length - extension.length));
  while (stem.length > 0 && !fits(stem.join('') + extension)) stem.pop();
  return stem.join('').trimEnd() + extension;
}

function fits(name: string): boolean {
  return name.length <= maxChars && Buffer.byteLength(name) <= maxBytes;
}
