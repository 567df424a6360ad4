import { fileTypeFromBuffer } from 'file-type';
import { imageMediaTypes } from '../util/image-media-type.ts';

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
  ...imageMediaTypes,
  'audio/mpeg',
  'audio/wav',
  'video/mp4',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

/** Text formats have no signature in their bytes; their name is all there is to go on. */
const textTypesByExtension: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
};

const octetStream = 'application/octet-stream';

/** How many leading bytes `decideUploadMediaType` needs to recognise a format. */
export const sniffBytes = 4100;

/**
 * An upload's media type, from its leading bytes as well as what the uploader said (its
 * content type, else its name's extension). The bytes win when they name a format we serve;
 * an image type is never given to bytes that are not an image, so a text file named x.png
 * is never treated as a picture (SPEC §4.6). Anything not on the allow-list is octet-stream.
 */
export async function decideUploadMediaType(options: {
  declared: string | null;
  filename: string;
  head: Uint8Array;
}): Promise<string> {
  const sniffed = (await fileTypeFromBuffer(options.head))?.mime as string | undefined;
  if (sniffed) return trustedMediaTypes.has(sniffed) ? sniffed : octetStream;
  const claimed = claimedMediaType(options);
  return imageMediaTypes.has(claimed) ? octetStream : claimed;
}

function claimedMediaType(options: { declared: string | null; filename: string }): string {
  const essence = (options.declared ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence && essence !== octetStream) return trustedMediaTypes.has(essence) ? essence : octetStream;
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(options.filename)?.[1]?.toLowerCase() ?? '';
  return textTypesByExtension[extension] ?? octetStream;
}
