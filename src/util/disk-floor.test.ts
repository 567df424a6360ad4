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
  // A disk with 100 MB free whatever the real one has, and a floor 60 MB under that.
  const readRoom = async () => ({ bytes: 100 * megabyte, inodes: 1_000_000, inodeFloor: 1_000 });
  const floor = { path: '/unused', minFreeBytes: 40 * megabyte, readRoom };

  test('parallel writes count each other: room for one of two is room for one', async () => {
    const write = () =>
      writeWithinFloor({ ...floor, bytes: 40 * megabyte }, async () => {
        await sleep(20);
        return 'written';
      });
    const results = await Promise.allSettled([write(), write()]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(NoDiskRoomError);

    // Once the first has ended, its bytes are no longer held back.
    await expect(write()).resolves.toBe('written');
  });

  test('a write that fails gives its room back', async () => {
    const failing = writeWithinFloor({ ...floor, bytes: 40 * megabyte }, async () => {
      throw new Error('the write failed');
    });
    await expect(failing).rejects.toThrow('the write failed');
    await expect(writeWithinFloor({ ...floor, bytes: 60 * megabyte }, async () => 'written')).resolves.toBe(
      'written',
    );
  });

  test('reads the real disk when given no stand-in', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'autopilot-floor-'));
    try {
      const free = (await readDiskRoom(directory)).bytes;
      await expect(
        writeWithinFloor(
          { path: directory, bytes: 1, minFreeBytes: free + 1024 ** 3 },
          async () => 'written',
        ),
      ).rejects.toBeInstanceOf(NoDiskRoomError);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
