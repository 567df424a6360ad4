import { lstatSync, readlinkSync } from 'node:fs';

/**
 * The one place that decides what a bubblewrap sandbox sees. Every source path here is a system
 * path or a folder the server made; every destination lies in bwrap's fresh root tmpfs, never
 * beneath a folder that sandboxed code can write (see ARCHITECTURE.md, "bubblewrap").
 */

/** Top-level system folders; on merged-/usr systems most are symlinks into /usr. */
const systemRoots = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** The few files of /etc that programs need to start (dynamic loader, `alternatives` links). */
const etcForCommands = ['/etc/alternatives', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d'];
/** What a networked process needs besides: name resolution and CA certificates. */
const etcForNetwork = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
];

export const sandboxPath = '/usr/local/bin:/usr/bin:/bin';

/**
 * The private /tmp's size. A tmpfs keeps its files in memory, outside the address-space limit,
 * and Linux sizes an unsized one at half the machine's RAM: one command could fill that.
 */
export const defaultTmpBytes = 512 * 1024 ** 2;

/** A private, sized /tmp: sticky and world-writable as usual (the process may run as a dropped uid). */
export function privateTmpArguments(bytes: number): string[] {
  return ['--perms', '1777', '--size', String(bytes), '--tmpfs', '/tmp'];
}

/** `--symlink` for a top-level symlink, `--ro-bind` for a real folder, nothing for an absent one. */
export function systemArguments(options: { network: boolean }): string[] {
  const args: string[] = [];
  for (const root of systemRoots) {
    const info = lstatOrNull(root);
    if (!info) continue;
    if (info.isSymbolicLink()) args.push('--symlink', readlinkSync(root), root);
    else if (info.isDirectory()) args.push('--ro-bind', root, root);
  }
  // Parent folders bwrap makes itself are private (0700); /etc must be readable by the command's uid.
  args.push('--perms', '0755', '--dir', '/etc');
  for (const path of [...etcForCommands, ...(options.network ? etcForNetwork : [])]) {
    args.push('--ro-bind-try', path, path);
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  return args;
}

/** Namespaces and process hygiene shared by every sandbox. */
export function isolationArguments(options: { network: boolean; userNamespace: boolean }): string[] {
  return [
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(options.network ? [] : ['--unshare-net']),

    // A user namespace where we are not root keeps RLIMIT_NPROC per sandbox; nested ones are refused.
    ...(options.userNamespace ? ['--unshare-user', '--disable-userns'] : []),
    '--die-with-parent',
    // setsid(): the sandbox has no controlling terminal to push keystrokes into (TIOCSTI).
    '--new-session',
    '--hostname',
    'sandbox',
    '--clearenv',
  ];
}

/**
 * As root, bwrap runs privileged and the command drops to `uid` itself: capabilities for that
 * switch only, then setpriv clears every capability, the bounding set, and new privileges.
 * Emptying the bounding set takes CAP_SETPCAP; without it setpriv leaves the set full, silently.
 */
export function userDropArguments(uid: number | null): { bwrap: string[]; command: string[] } {
  if (uid === null) return { bwrap: ['--cap-drop', 'ALL'], command: [] };
  return {
    bwrap: [
      '--cap-drop',
      'ALL',
      ...['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP'].flatMap((capability) => ['--cap-add', capability]),
    ],
    command: [
      '/usr/bin/setpriv',
      `--reuid=${uid}`,
      `--regid=${uid}`,
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    ],
  };
}

export function environmentArguments(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]);
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
