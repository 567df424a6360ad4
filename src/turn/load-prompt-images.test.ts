import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { StoredMessage } from '../store/session-store.ts';
import { createLogger } from '../util/logger.ts';
import { loadPromptImages } from './load-prompt-images.ts';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let workspaceDir = '';
beforeEach(async () => {
  workspaceDir = await mkdtemp(join(tmpdir(), 'autopilot-images-'));
  await mkdir(join(workspaceDir, 'attachments'));
});
afterEach(async () => rm(workspaceDir, { recursive: true, force: true }));

function messageWith(attachments: { name: string; mediaType: string; size: number }[]): StoredMessage {
  return {
    id: 'm1',
    sessionId: 's1',
    seq: 1,
    role: 'user',
    turnId: 't1',
    step: null,
    content: 'look',
    toolCall: null,
    toolCallId: null,
    metadata: {
      attachments: attachments.map((attachment, index) => ({
        ...attachment,
        fileId: `f${index}`,
        path: `attachments/${attachment.name}`,
      })),
    },
    createdAt: new Date().toISOString(),
  };
}

test('only bytes that are an image go to the model as one, with the type the bytes are', async () => {
  // Recorded as images (an older record, or a workspace copy changed since): the bytes decide.
  await writeFile(join(workspaceDir, 'attachments/fake.png'), 'not an image at all');
  await writeFile(join(workspaceDir, 'attachments/real.jpg'), png);
  const images = await loadPromptImages({
    messages: [
      messageWith([
        { name: 'fake.png', mediaType: 'image/png', size: 19 },
        { name: 'real.jpg', mediaType: 'image/jpeg', size: png.byteLength },
      ]),
    ],
    workspaceDir,
    logger: createLogger({ level: 'silent' }),
  });
  expect(images).toEqual([{ mediaType: 'image/png', data: png }]);
});
