import { AppError } from '../util/app-error.ts';

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  /** The form field's name. */
  name: string;
  /** The file name the client sent, for a file field; null for a plain field. */
  filename: string | null;
  contentType: string | null;
  /** The part's bytes. Read them (or not) before asking for the next part; unread bytes are skipped. */
  content: AsyncIterable<Uint8Array>;
}

const maxHeaderBytes = 16 * 1024;
const crlf = Buffer.from('\r\n');
const headerEnd = Buffer.from('\r\n\r\n');

export const malformedMultipart = (detail: string) =>
  new AppError('bad_request', `The upload is not valid multipart/form-data: ${detail}`, { status: 400 });

/** The boundary of a `multipart/form-data` content type, or a 400 that says what to send. */
export function multipartBoundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(
    contentType ?? '',
  );
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) {
    throw new AppError('bad_request', 'Send the file as multipart/form-data with a boundary.', {
      status: 400,
    });
  }
  return boundary;
}

/**
 * Reads a multipart/form-data body part by part as it arrives, never holding more than a chunk
 * and a part's headers in memory. Beyond `maxBytes` of body it throws `payload_too_large`; a
 * body that breaks the format throws `bad_request`. Stops reading the body when abandoned.
 */
export async function* readMultipart(options: {
  body: ReadableStream<Uint8Array>;
  boundary: string;
  maxBytes: number;
}): AsyncGenerator<MultipartPart> {
  const source = new ByteSource({ body: options.body, maxBytes: options.maxBytes });
  const delimiter = Buffer.from(`\r\n--${options.boundary}`);
  try {
    // The first delimiter has no line break before it when the body starts with it.
    source.prepend(crlf);
    await source.skipPast(delimiter);
    for (;;) {
      const next = await source.peek(2);
      if (next.equals(Buffer.from('--'))) return;
      if (!next.equals(crlf))
        throw malformedMultipart('a boundary is followed by neither a line break nor --.');
      // Searching from the line break also finds the blank line of a part without headers.
      const headers = parseHeaders(await source.readUntil({ needle: headerEnd, maxBytes: maxHeaderBytes }));
      let ended = false;
      yield {
        ...headers,
        content: source.readBefore({ needle: delimiter, onEnd: () => (ended = true) }),
      };
      if (!ended) await source.skipPast(delimiter);
    }
  } finally {
    await source.close();
  }
}

function parseHeaders(block: Buffer): Omit<MultipartPart, 'content'> {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of block.toString('utf8').split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedMultipart('a part header has no name.');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) {
    throw malformedMultipart('a part has no Content-Disposition: form-data header.');
  }
  const parameters = new Map<string, string>();
  for (const match of disposition.matchAll(/;\s*([^\s=;]+)\s*=\s*(?:"([^"]*)"|([^;]*))/g)) {
    parameters.set(match[1]!.toLowerCase(), (match[2] ?? match[3] ?? '').trim());
  }
  const name = parameters.get('name');
  if (name === undefined) throw malformedMultipart('a part has no field name.');
  return { name, filename: filenameOf(parameters), contentType };
}

/** `filename*` (RFC 5987) wins over `filename`; browsers write a `"` in a name as %22. */
function filenameOf(parameters: Map<string, string>): string | null {
  const extended = /^utf-8''(.*)$/i.exec(parameters.get('filename*') ?? '');
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!);
    } catch {
      // Not valid percent-encoding: fall back to the plain parameter.
    }
  }
  return parameters.get('filename')?.replaceAll('%22', '"') ?? null;
}

/** The body as a buffer that is filled on demand, with a byte budget. */
class ByteSource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #maxBytes: number;
  #buffer: Buffer = Buffer.alloc(0);
  #received = 0;
  #ended = false;

  constructor(options: { body: ReadableStream<Uint8Array>; maxBytes: number }) {
    this.#reader = options.body.getReader();
    this.#maxBytes = options.maxBytes;
  }

  prepend(bytes: Buffer): void {
    this.#buffer = Buffer.concat([bytes, this.#buffer]);
  }

  /** The next `length` bytes, left in place. */
  async peek(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) {
      if (!(await this.#fill())) throw malformedMultipart('the body ends before its closing boundary.');
    }
    return this.#buffer.subarray(0, length);
  }

  /** Everything before `needle`, which is consumed too. */
  async readUntil(options: { needle: Buffer; maxBytes: number }): Promise<Buffer> {
    for (;;) {
      const index = this.#buffer.indexOf(options.needle);
      if (index >= 0) {
        const before = this.#buffer.subarray(0, index);
        this.#buffer = this.#buffer.subarray(index + options.needle.length);
        return before;
      }
      if (this.#buffer.length > options.maxBytes) throw malformedMultipart('a part header is too long.');
      if (!(await this.#fill())) throw malformedMultipart('the body ends inside a part header.');
    }
  }

  /** Discards everything up to and including `needle`. */
  async skipPast(needle: Buffer): Promise<void> {
    for await (const _chunk of this.readBefore({ needle, onEnd: () => undefined })) {
      // Skipped.
    }
  }

  /** Yields the bytes before `needle`, consuming it; `onEnd` runs as soon as it is consumed. */
  async *readBefore(options: { needle: Buffer; onEnd: () => void }): AsyncGenerator<Uint8Array> {
    const { needle } = options;
    for (;;) {
      const index = this.#buffer.indexOf(needle);
      if (index >= 0) {
        const before = this.#buffer.subarray(0, index);
        this.#buffer = this.#buffer.subarray(index + needle.length);
        options.onEnd();
        if (before.length > 0) yield before;
        return;
      }
      // The tail might be the start of the needle: keep it until more arrives.
      const safe = this.#buffer.length - (needle.length - 1);
      if (safe > 0) {
        const chunk = this.#buffer.subarray(0, safe);
        this.#buffer = this.#buffer.subarray(safe);
        yield chunk;
      }
      if (!(await this.#fill())) throw malformedMultipart('the body ends before its closing boundary.');
    }
  }

  async close(): Promise<void> {
    if (!this.#ended) await this.#reader.cancel().catch(() => undefined);
    this.#reader.releaseLock();
  }

  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    const { value, done } = await this.#reader.read();
    if (done) {
      this.#ended = true;
      return false;
    }
    this.#received += value.byteLength;
    if (this.#received > this.#maxBytes) {
      throw new AppError('payload_too_large', `The upload is larger than ${this.#maxBytes} bytes.`, {
        status: 413,
      });
    }
    const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    return true;
  }
}
