import type { FileBlobs, StoredBlob } from '../store/file-blobs.ts';
import { AppError } from '../util/app-error.ts';
import { malformedMultipart, readMultipart } from './read-multipart.ts';
import { sniffBytes } from './upload-media-type.ts';

export interface ReceivedUpload {
  blob: StoredBlob;
  /** As the client sent them: not yet sanitised or checked. */
  filename: string;
  contentType: string | null;
  /** The file's leading bytes (up to `sniffBytes`), to recognise its format by content. */
  head: Uint8Array;
  sessionId: string | null;
}

const maxParts = 20;
const maxFieldBytes = 1024;

/**
 * Streams the `file` field of an upload form into blob storage and reads the small fields
 * beside it. Other fields are skipped. On any failure the stored bytes are removed again.
 */
export async function receiveUpload(options: {
  body: ReadableStream<Uint8Array>;
  boundary: string;
  blobs: FileBlobs;
  maxBodyBytes: number;
}): Promise<ReceivedUpload> {
  const { blobs } = options;
  let file: Omit<ReceivedUpload, 'sessionId'> | null = null;
  let sessionId: string | null = null;
  let parts = 0;
  try {
    for await (const part of readMultipart({ ...options, maxBytes: options.maxBodyBytes })) {
      parts += 1;
      if (parts > maxParts) throw malformedMultipart(`more than ${maxParts} fields.`);
      if (part.name === 'file') {
        if (file) throw badUpload('Send one file per request.');
        if (part.filename === null) throw badUpload('The file field must carry a file, with a file name.');
        const head = new HeadCapture(sniffBytes);
        const blob = await blobs.write(head.pass(part.content));
        file = { blob, filename: part.filename, contentType: part.contentType, head: head.bytes() };
      } else if (part.name === 'sessionId') {
        sessionId = (await readTextField(part.content)) || null;
      }
    }
    if (!file) throw badUpload('The form has no file field.');
    return { ...file, sessionId };
  } catch (error) {
    if (file) await blobs.remove(file.blob.storageKey);
    throw error;
  }
}

/** Keeps the first bytes of a stream as it passes through, so the upload is read only once. */
class HeadCapture {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(readonly limit: number) {}

  async *pass(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      if (this.#size < this.limit) {
        const kept = chunk.subarray(0, this.limit - this.#size);
        this.#chunks.push(Uint8Array.from(kept));
        this.#size += kept.byteLength;
      }
      yield chunk;
    }
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.#chunks);
  }
}

async function readTextField(content: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of content) {
    size += chunk.byteLength;
    if (size > maxFieldBytes) throw badUpload(`A form field is longer than ${maxFieldBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

function badUpload(message: string): AppError {
  return new AppError('bad_request', message, { status: 400 });
}
