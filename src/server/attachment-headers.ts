/**
 * Headers for a download that must be saved, never shown inline or sniffed into something
 * the browser would run. The name appears as ASCII (for old clients) and as UTF-8 (RFC 6266).
 */
export function attachmentHeaders(options: {
  name: string;
  mediaType: string;
  size: number;
}): Record<string, string> {
  const ascii = options.name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(options.name).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return {
    'content-type': options.mediaType,
    'content-length': String(options.size),
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  };
}
