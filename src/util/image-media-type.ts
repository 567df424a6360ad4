import { fileTypeFromBuffer } from 'file-type';

/** Image types models take as content blocks (SPEC §4.6). */
export const imageMediaTypes: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);

/** The image type the bytes themselves are, or null: a name or a declared type proves nothing. */
export async function sniffImageMediaType(bytes: Uint8Array): Promise<string | null> {
  const mime = (await fileTypeFromBuffer(bytes))?.mime as string | undefined;
  return mime && imageMediaTypes.has(mime) ? mime : null;
}
