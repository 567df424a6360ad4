/**
 * Who may touch a workspace at a time. The file tools check a path and then use it, by name, in
 * the server's own process; a command in the sandbox could swap a folder for a symbolic link
 * between the two (a loop of `ln -sfn` beside a burst of parallel file calls), and the use would
 * act outside the workspace. So a tool that runs sandboxed code holds its workspace alone, and
 * the other tools share it: none of them runs while a command does. A command's processes are all
 * gone when its tool returns (the sandbox ends its process namespace), so nothing is left running
 * to swap a path between calls.
 */
export type WorkspaceAccessMode = 'shared' | 'exclusive';

interface Waiter {
  mode: WorkspaceAccessMode;
  grant: () => void;
}

interface Holders {
  shared: number;
  exclusive: boolean;
  /** In order of asking: a command waits for the tools before it, and the tools after it wait for it. */
  queue: Waiter[];
}

const byWorkspace = new Map<string, Holders>();

/**
 * Runs `work` with the workspace held in `mode`, and lets go when it settles (not before, even
 * if the caller stops waiting for it). Rejects with the signal's reason, without running `work`,
 * if `signal` aborts while it waits.
 */
export async function withWorkspaceAccess<T>(options: {
  workspaceDir: string;
  mode: WorkspaceAccessMode;
  signal: AbortSignal;
  work: () => Promise<T>;
}): Promise<T> {
  const { workspaceDir, mode, signal } = options;
  signal.throwIfAborted();
  const holders = byWorkspace.get(workspaceDir) ?? { shared: 0, exclusive: false, queue: [] };
  byWorkspace.set(workspaceDir, holders);
  // A waiter is counted in when it is let in (`admitWaiting`), so the ones behind it see it.
  if (mayEnter(holders, mode)) enter(holders, mode);
  else await wait({ holders, mode, signal, workspaceDir });
  try {
    // Let in on the same turn of the loop as its signal aborted: it still must not run.
    signal.throwIfAborted();
    return await options.work();
  } finally {
    leave({ holders, mode, workspaceDir });
  }
}

function mayEnter(holders: Holders, mode: WorkspaceAccessMode): boolean {
  if (holders.exclusive || holders.queue.length > 0) return false;
  return mode === 'shared' || holders.shared === 0;
}

function enter(holders: Holders, mode: WorkspaceAccessMode): void {
  if (mode === 'exclusive') holders.exclusive = true;
  else holders.shared += 1;
}

function wait(options: {
  holders: Holders;
  mode: WorkspaceAccessMode;
  signal: AbortSignal;
  workspaceDir: string;
}): Promise<void> {
  const { holders, mode, signal, workspaceDir } = options;
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = {
      mode,
      grant: () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    const onAbort = () => {
      const index = holders.queue.indexOf(waiter);
      if (index >= 0) holders.queue.splice(index, 1);
      // The ones behind it may go now.
      admitWaiting(holders);
      forgetIfIdle({ holders, workspaceDir });
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    holders.queue.push(waiter);
  });
}

function leave(options: { holders: Holders; mode: WorkspaceAccessMode; workspaceDir: string }): void {
  const { holders, mode, workspaceDir } = options;
  if (mode === 'exclusive') holders.exclusive = false;
  else holders.shared -= 1;
  admitWaiting(holders);
  forgetIfIdle({ holders, workspaceDir });
}

/** Lets waiters in from the front, in order: every shared one up to the first exclusive, or that one alone. */
function admitWaiting(holders: Holders): void {
  while (holders.queue.length > 0 && !holders.exclusive) {
    const next = holders.queue[0]!;
    if (next.mode === 'exclusive' && holders.shared > 0) return;
    holders.queue.shift();
    enter(holders, next.mode);
    next.grant();
  }
}

function forgetIfIdle(options: { holders: Holders; workspaceDir: string }): void {
  const { holders, workspaceDir } = options;
  if (holders.shared === 0 && !holders.exclusive && holders.queue.length === 0) {
    if (byWorkspace.get(workspaceDir) === holders) byWorkspace.delete(workspaceDir);
  }
}
