import { readdir, readFile } from 'node:fs/promises';

/** One process's memory from /proc, in MiB. */
export interface ProcessMemory {
  pid: number;
  /** VmRSS: resident now, shared pages counted in full. */
  rssMb: number;
  /** VmHWM: the highest RSS the process has had. */
  peakRssMb: number;
  /** Pss: resident with shared pages split between the processes sharing them; only when asked for. */
  pssMb?: number;
}

const kibPerMib = 1024;

/**
 * Memory of this process's live descendants whose name contains `claude` (the Claude Code CLI
 * processes; a confined one runs under bubblewrap, so it is a grandchild).
 */
export async function readClaudeProcessMemory(options: { withPss: boolean }): Promise<ProcessMemory[]> {
  const memories = await Promise.all(
    (await claudePids()).map((pid) => readProcessMemory({ pid, ...options })),
  );
  return memories.filter((memory) => memory !== null);
}

/** Null when the process ended (or is ending, with its memory gone) while we read. */
async function readProcessMemory(options: { pid: number; withPss: boolean }): Promise<ProcessMemory | null> {
  try {
    const status = await readFile(`/proc/${options.pid}/status`, 'utf8');
    const rssKib = readKib(status, 'VmRSS');
    const peakRssKib = readKib(status, 'VmHWM');
    if (rssKib === null || peakRssKib === null) return null;
    const memory: ProcessMemory = {
      pid: options.pid,
      rssMb: rssKib / kibPerMib,
      peakRssMb: peakRssKib / kibPerMib,
    };
    // smaps_rollup walks the page tables: too slow to read while sampling a running turn.
    if (options.withPss) {
      const pssKib = readKib(await readFile(`/proc/${options.pid}/smaps_rollup`, 'utf8'), 'Pss');
      if (pssKib === null) return null;
      memory.pssMb = pssKib / kibPerMib;
    }
    return memory;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A process that is exiting has no memory fields left: null. */
function readKib(text: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/** Pids of this process's live descendants whose name contains `claude`, from /proc. */
export async function claudePids(): Promise<number[]> {
  const processes: { pid: number; parent: number; name: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Format: pid (comm) state ppid …; comm may contain spaces, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue;
      processes.push({
        pid: Number(entry),
        parent: Number(fields[1]),
        name: stat.slice(stat.indexOf('(') + 1, close),
      });
    } catch {
      // The process ended while we looked.
    }
  }
  const descendants = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const { pid, parent } of processes) {
      if (descendants.has(parent) && !descendants.has(pid)) {
        descendants.add(pid);
        grew = true;
      }
    }
  }
  return processes
    .filter(({ pid, name }) => pid !== process.pid && descendants.has(pid) && name.includes('claude'))
    .map(({ pid }) => pid);
}
