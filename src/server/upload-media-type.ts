/**
 * Types a download may be served as. Anything else (HTML, SVG, scripts: what a browser might run)
 * is served as application/octet-stream, whatever the uploader claimed.
 */
const trustedMediaTypes = new Set([
  'text/plain',
  'text/markdown',
  'text/csv',
  'text/tab-separated-values',
  'application/json',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'audio/mpeg',
  'audio/wav',
  'video/mp4',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

/** The uploader's media type without parameters, if it is on the allow-list; otherwise octet-stream. */
export function toTrustedMediaType(declared: string | null): string {
  const essence = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  return trustedMediaTypes.has(essence) ? essence : 'application/octet-stream';
}
