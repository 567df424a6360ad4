import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { FileBlobs, StoredBlob } from '../store/file-blobs.ts';
import { AppError } from '../util/app-error.ts';
import { HeadCapture } from './head-capture.ts';
import { stripTransportPadding } from './strip-transport-padding.ts';
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
 * Streams the `file` field of a multipart/form-data upload into blob storage and reads the small
 * fields beside it (busboy parses). Other fields are skipped. The whole body is capped at
 * `maxBodyBytes` while it streams (413), an upload that sends nothing for `stallMs` is abandoned
 * (408), and on any failure nothing of it is kept.
 */
export async function receiveUpload(options: {
  body: ReadableStream<Uint8Array>;
  contentType: string | undefined;
  blobs: FileBlobs;
  maxBodyBytes: number;
  stallMs: number;
}): Promise<ReceivedUpload> {
  const parser = createParser(options.contentType);
  const boundary = boundaryOf(options.contentType);
  const source = Readable.fromWeb(options.body as import('node:stream/web').ReadableStream<Uint8Array>);
  // Filled in by the parser's events.
  const state: {
    failure: unknown;
    file: {
      write: Promise<StoredBlob>;
      stream: Readable;
      filename: string;
      contentType: string | null;
      head: HeadCapture;
    } | null;
    sessionId: string | null;
  } = { failure: null, file: null, sessionId: null };

  let signalFailure: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => {
    signalFailure = resolve;
  });
  const fail = (error: unknown) => {
    state.failure ??= error;
    // The file's write then fails too, and removes what it wrote.
    state.file?.stream.destroy();
    source.destroy();
    signalFailure();
  };
  const meter = meterBody({ maxBytes: options.maxBodyBytes, stallMs: options.stallMs, onStall: fail });

  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || state.failure || state.file) {
      // Skipped: read to its end, and its errors are the parser's, reported once.
      stream.on('error', () => undefined).resume();
      if (name === 'file' && state.file) fail(badUpload('Send one file per request.'));
      return;
    }
    // Its errors reach us as the write's failure.
    stream.on('error', () => undefined);
    const head = new HeadCapture(sniffBytes);
    const write = options.blobs.write(head.pass(stream));
    write.catch(fail);
    // Browsers write a `"` in a file name as %22.
    const filename = (info.filename ?? '').replaceAll('%22', '"');
    state.file = { write, stream, filename, contentType: info.mimeType || null, head };
  });
  parser.on('field', (name, value, info) => {
    if (name === 'file') fail(badUpload('The file field must carry a file, with a file name.'));
    if (name !== 'sessionId') return;
    if (info.valueTruncated) fail(badUpload(`A form field is longer than ${maxFieldBytes} bytes.`));
    state.sessionId = value.trim() || null;
  });
  parser.on('partsLimit', () => fail(malformedMultipart(`more than ${maxParts} fields.`)));

  const streams = [source, meter.stream, ...(boundary ? [stripTransportPadding(boundary)] : []), parser];
  // Errors after the first are the same failure told again; the first is reported through `fail`.
  for (const stream of streams) stream.on('error', () => undefined);
  const flow = pipeline(streams).catch((error: unknown) => fail(toUploadError(error)));
  // A body that stalls may never end, even when destroyed: stop waiting at the first failure.
  await Promise.race([flow, failed]);
  meter.stop();
  const { file } = state;
  const stored = file ? await file.write.catch((error: unknown) => fail(error)) : undefined;
  if (!file || !stored || state.failure) {
    if (stored) await options.blobs.remove(stored.storageKey);
    throw state.failure ?? badUpload('The form has no file field.');
  }
  return {
    blob: stored,
    filename: file.filename,
    contentType: file.contentType,
    head: file.head.bytes(),
    sessionId: state.sessionId,
  };
}

function createParser(contentType: string | undefined): busboy.Busboy {
  if (!/^multipart\/form-data\s*;/i.test(contentType ?? '')) throw sendMultipart();
  try {
    return busboy({
      headers: { 'content-type': contentType },
      limits: { parts: maxParts, fieldSize: maxFieldBytes, fieldNameSize: 100, headerPairs: 20 },
      defParamCharset: 'utf8',
    });
  } catch {
    throw sendMultipart();
  }
}

/** The boundary parameter, quoted or not; null when there is none (the parser refuses the body then). */
function boundaryOf(contentType: string | undefined): string | null {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2] ?? null;
}

/** Counts the body's bytes as they pass, and notices when none arrive for `stallMs`. */
function meterBody(options: { maxBytes: number; stallMs: number; onStall: (error: AppError) => void }) {
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const seconds = Math.round(options.stallMs / 100) / 10;
      options.onStall(
        new AppError('request_timeout', `The upload stalled: nothing arrived for ${seconds} s.`, {
          status: 408,
        }),
      );
    }, options.stallMs);
    timer.unref();
  };
  arm();
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > options.maxBytes) {
        return callback(
          new AppError('payload_too_large', `The upload is larger than ${options.maxBytes} bytes.`, {
            status: 413,
          }),
        );
      }
      arm();
      callback(null, chunk);
    },
  });
  return { stream, stop: () => clearTimeout(timer) };
}

function toUploadError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return malformedMultipart(message.replace(/^Multipart:\s*/i, ''));
}

const malformedMultipart = (detail: string) =>
  new AppError('bad_request', `The upload is not valid multipart/form-data: ${detail}`, { status: 400 });

const sendMultipart = () =>
  new AppError('bad_request', 'Send the file as multipart/form-data with a boundary.', { status: 400 });

function badUpload(message: string): AppError {
  return new AppError('bad_request', message, { status: 400 });
}
