import { describe, expect, test } from 'vitest';
import { type WorkspaceAccessMode, withWorkspaceAccess } from './workspace-access.ts';

/** A holder of the workspace that lets go when told, logging when it got in. */
function holder(options: { log: string[]; name: string; mode: WorkspaceAccessMode; signal?: AbortSignal }) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const done = withWorkspaceAccess({
    workspaceDir: '/workspaces/w',
    mode: options.mode,
    signal: options.signal ?? new AbortController().signal,
    work: async () => {
      options.log.push(options.name);
      await released;
    },
  });
  return { release, done };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('withWorkspaceAccess', () => {
  test('tools share the workspace; a command waits for them, and the tools after it wait for the command', async () => {
    const log: string[] = [];
    const read1 = holder({ log, name: 'read1', mode: 'shared' });
    const read2 = holder({ log, name: 'read2', mode: 'shared' });
    const command = holder({ log, name: 'command', mode: 'exclusive' });
    const read3 = holder({ log, name: 'read3', mode: 'shared' });
    await settle();
    expect(log).toEqual(['read1', 'read2']);
    read1.release();
    await settle();
    expect(log).toEqual(['read1', 'read2']);
    read2.release();
    await settle();
    expect(log).toEqual(['read1', 'read2', 'command']);
    command.release();
    await settle();
    expect(log).toEqual(['read1', 'read2', 'command', 'read3']);
    read3.release();
    await Promise.all([read1.done, read2.done, command.done, read3.done]);
  });

  test('a wait stopped by its signal runs nothing, and the ones behind it go on', async () => {
    const log: string[] = [];
    const command = holder({ log, name: 'command', mode: 'exclusive' });
    const stop = new AbortController();
    const stopped = holder({ log, name: 'stopped', mode: 'exclusive', signal: stop.signal });
    const read = holder({ log, name: 'read', mode: 'shared' });
    await settle();
    stop.abort(new Error('turn stopped'));
    await expect(stopped.done).rejects.toThrow('turn stopped');
    command.release();
    await settle();
    expect(log).toEqual(['command', 'read']);
    read.release();
    await read.done;
  });

  test('a failed holder lets go too', async () => {
    const failing = withWorkspaceAccess({
      workspaceDir: '/workspaces/w',
      mode: 'exclusive',
      signal: new AbortController().signal,
      work: async () => {
        throw new Error('boom');
      },
    });
    await expect(failing).rejects.toThrow('boom');
    const log: string[] = [];
    const read = holder({ log, name: 'read', mode: 'shared' });
    await settle();
    expect(log).toEqual(['read']);
    read.release();
    await read.done;
  });
});
