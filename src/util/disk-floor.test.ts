import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { NoDiskRoomError, readDiskRoom, shortfallOfWriting, writeWithinFloor } from './disk-floor.ts';

const megabyte = 1024 ** 2;

describe('shortfallOfWriting', () => {
  const room = { bytes: 100 * megabyte, inodes: 5_000, inodeFloor: 1_000 };

  test('counts the bytes to be written against the floor', () => {
    expect(shortfallOfWriting({ room, bytes: 10 * megabyte, minFreeBytes: 90 * megabyte })).toBeNull();
    expect(shortfallOfWriting({ room, bytes: 10 * megabyte + 1, minFreeBytes: 90 * megabyte })).toBe(
      "the server's disk is nearly full: writing 10 MB would leave less than the 90 MB it keeps free (100 MB free)",
    );
  });

  test('a write that adds nothing may go on below the floor; a disk out of file entries refuses all', () => {
    expect(shortfallOfWriting({ room, bytes: 0, minFreeBytes: 200 * megabyte })).toBeNull();
    expect(shortfallOfWriting({ room: { ...room, inodes: 999 }, bytes: 0, minFreeBytes: 0 })).toMatch(
      /room for only 999 more files/,
    );
  });
});

describe('writeWithinFloor', () => {
  test('parallel writes count each other: room for one of two is room for one', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'autopilot-floor-'));
    try {
      // 600 MB above the floor: one write of 400 MB fits, a second beside it does not (none is
      // made: the room is what is tested, with 200 MB to spare for other writers on the disk).
      const minFreeBytes = (await readDiskRoom(directory)).bytes - 600 * megabyte;
      const write = () =>
        writeWithinFloor({ path: directory, bytes: 400 * megabyte, minFreeBytes }, async () => {
          await sleep(50);
          return 'written';
        });
      const results = await Promise.allSettled([write(), write()]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(NoDiskRoomError);

      // Once the first has ended, its bytes are no longer held back.
      await expect(write()).resolves.toBe('written');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
