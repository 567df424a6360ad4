import { readdir, readFile } from 'node:fs/promises';

/** Pids of the live processes whose parent is `parentPid` (this test process by default), from /proc. */
export async function childPids(
  options: { parentPid?: number; nameIncludes?: string } = {},
): Promise<number[]> {
  const parent = options.parentPid ?? process.pid;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Format: pid (comm) state ppid …; comm may contain spaces, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[1]) !== parent || fields[0] === 'Z') continue;
      if (options.nameIncludes && !comm.includes(options.nameIncludes)) continue;
      pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The Claude Code processes this test process started: `claude` itself, or the `bwrap` confining it. */
export async function cliPids(): Promise<number[]> {
  return [...(await childPids({ nameIncludes: 'claude' })), ...(await childPids({ nameIncludes: 'bwrap' }))];
}

/** Pids of the live processes, anyone's children, whose whole command line is `command`. */
export async function processesRunning(command: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const state = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (line.split('\0').join(' ').trim() === command && !/\) Z /.test(state)) pids.push(Number(entry));
  }
  return pids;
}
