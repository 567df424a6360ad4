import { Transform } from 'node:stream';

const maxPadding = 256;
const space = 0x20;
const tab = 0x09;
const carriageReturn = 0x0d;
const lineFeed = 0x0a;

/**
 * Removes transport padding (spaces and tabs between a multipart boundary and its line break),
 * which RFC 2046 lets message transports add and requires receivers to accept, but which busboy
 * does not. Streams: it holds back only enough bytes to decide about a boundary at a chunk's end.
 */
export function stripTransportPadding(boundary: string): Transform {
  const dashBoundary = Buffer.from(`--${boundary}`);
  const holdBack = dashBoundary.length + maxPadding + 4;
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  const strip = (buffer: Buffer): Buffer => {
    const kept: Buffer[] = [];
    let from = 0;
    for (let at = buffer.indexOf(dashBoundary); at >= 0; at = buffer.indexOf(dashBoundary, at + 1)) {
      const atBodyStart = offset === 0 && at === 0;
      const afterLineBreak = at >= 2 && buffer[at - 2] === carriageReturn && buffer[at - 1] === lineFeed;
      if (!atBodyStart && !afterLineBreak) continue;
      const paddingStart = at + dashBoundary.length;
      let paddingEnd = paddingStart;
      while (paddingEnd < buffer.length && (buffer[paddingEnd] === space || buffer[paddingEnd] === tab)) {
        paddingEnd += 1;
      }
      if (paddingEnd > paddingStart && buffer[paddingEnd] === carriageReturn) {
        kept.push(buffer.subarray(from, paddingStart));
        from = paddingEnd;
      }
    }
    kept.push(buffer.subarray(from));
    return Buffer.concat(kept);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const buffer = strip(Buffer.concat([pending, chunk]));
      const cut = Math.max(0, buffer.length - holdBack);
      pending = buffer.subarray(cut);
      offset += cut;
      callback(null, buffer.subarray(0, cut));
    },
    flush(callback) {
      callback(null, strip(pending));
    },
  });
}
