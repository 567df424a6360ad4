import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import type { UploadedFile } from '../../protocol/index.ts';
import { AppError, notFound } from '../../util/app-error.ts';
import { createId } from '../../util/ids.ts';
import { toSafeFileName } from '../../util/safe-file-name.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { attachmentHeaders } from '../attachment-headers.ts';
import { receiveUpload } from '../receive-upload.ts';
import { decideUploadMediaType } from '../upload-media-type.ts';

export const uploadPath = '/api/files';

/** Room for the multipart framing and small fields around the file itself. */
const multipartOverheadBytes = 64 * 1024;
/**
 * Uploads one user may have under way at once, in this process. Each holds room for the largest
 * file on the disk until it ends (`DiskFileBlobs`), and a client can keep one open by trickling
 * bytes: without a cap, one user could hold all the room above the floor, and every write of the
 * server's would be refused. Above a browser's six connections to one server, so that a page
 * uploading a drop of twenty files never meets it.
 */
const maxUploadsPerUser = 8;

/** Uploads (streamed to blob storage under the file limit) and their downloads. Scoped by owner. */
export function registerFileRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { files, fileBlobs } = deps;
  const uploading = new Map<string, number>();

  app.post(uploadPath, async (context) => {
    const ownerId = context.get('userId');
    const underWay = uploading.get(ownerId) ?? 0;
    if (underWay >= maxUploadsPerUser) {
      throw new AppError('rate_limited', `At most ${maxUploadsPerUser} uploads can be under way at once.`, {
        status: 429,
        headers: { 'retry-after': '5' },
      });
    }
    uploading.set(ownerId, underWay + 1);
    try {
      return await receiveFile(context, ownerId);
    } finally {
      const left = (uploading.get(ownerId) ?? 1) - 1;
      if (left === 0) uploading.delete(ownerId);
      else uploading.set(ownerId, left);
    }
  });

  async function receiveFile(context: Context<AppEnv>, ownerId: string): Promise<Response> {
    const maxBodyBytes = fileBlobs.maxBytes + multipartOverheadBytes;
    if (Number(context.req.header('content-length') ?? 0) > maxBodyBytes) {
      throw new AppError('payload_too_large', `The file is larger than ${fileBlobs.maxBytes} bytes.`, {
        status: 413,
      });
    }
    const body = context.req.raw.body;
    if (!body) throw new AppError('bad_request', 'The upload has no body.', { status: 400 });
    const upload = await receiveUpload({
      body,
      contentType: context.req.header('content-type'),
      blobs: fileBlobs,
      maxBodyBytes,
      stallMs: deps.config.limits.uploadStallMs,
    });
    try {
      const file = await files.createFile({
        id: createId(),
        ownerId,
        sessionId: upload.sessionId,
        name: toSafeFileName(upload.filename),
        mediaType: await decideUploadMediaType({
          declared: upload.contentType,
          filename: upload.filename,
          head: upload.head,
        }),
        size: upload.blob.size,
        sha256: upload.blob.sha256,
        storageKey: upload.blob.storageKey,
      });
      const answer: UploadedFile = {
        id: file.id,
        name: file.name,
        mediaType: file.mediaType,
        size: file.size,
      };
      return context.json(answer, 201);
    } catch (error) {
      await fileBlobs.remove(upload.blob.storageKey);
      throw error;
    }
  }

  app.get('/api/files/:id', async (context) => {
    const file = await files.getFile({ ownerId: context.get('userId'), fileId: context.req.param('id') });
    if (!file) throw notFound('File');
    const bytes = await fileBlobs.read(file.storageKey);
    if (!bytes) {
      deps.logger.error({ file: file.id }, 'the bytes of a stored file are missing');
      throw notFound('File');
    }
    const body = Readable.toWeb(bytes) as ReadableStream<Uint8Array>;
    return new Response(body, { headers: attachmentHeaders(file) });
  });
}
