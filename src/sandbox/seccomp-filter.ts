import type { Writable } from 'node:stream';

/**
 * A seccomp program, for bwrap's `--seccomp FD`, that keeps sandboxed code from making user
 * namespaces, and from reserving disk space faster than the server can see it go. User
 * namespaces first. Inside one a process holds every capability, and with them the kernel's mount,
 * network and keyring code that an unprivileged uid cannot otherwise reach, the usual road to a
 * kernel exploit. Without `--unshare-user` (the server runs as root and the command drops to its
 * own uid) bwrap's `--disable-userns` is not available, so this filter is what refuses them.
 *
 * - `unshare` and `clone` with CLONE_NEWUSER fail with EPERM.
 * - `clone3` fails with ENOSYS: its flags sit in memory a filter cannot read, and the C library
 *   falls back to `clone` on ENOSYS, as it does on kernels before 5.3.
 * - Any other architecture's calls (i386 or x32 on x86-64, arm32 on arm64) fail with EPERM, so
 *   the same call cannot be made under another number.
 *
 * Reserving disk space without writing it takes gigabytes in one call, faster than the free-space
 * watch (`disk-floor.ts`) reads, and could leave the disk the workspaces and the database share
 * with nothing free. So every way to it is closed:
 * - `fallocate` fails with EOPNOTSUPP, unless it punches a hole (which frees space); the C
 *   library's `posix_fallocate` then writes instead, at a pace the watch sees;
 * - so do the `ioctl`s that reserve or zero a range (`FS_IOC_RESVSP`, `FS_IOC_RESVSP64`,
 *   `FS_IOC_ZERO_RANGE`), which reach the same allocation code on any filesystem;
 * - `io_uring_setup`, `io_uring_enter` and `io_uring_register` fail with ENOSYS: a ring's
 *   operations (its own fallocate among them) never pass through this filter. Programs fall back
 *   to plain calls, as on kernels without io_uring.
 */

interface Architecture {
  /** AUDIT_ARCH_* of the native ABI. */
  audit: number;
  clone: number;
  unshare: number;
  clone3: number;
  fallocate: number;
  ioctl: number;
  /** `io_uring_setup`; `io_uring_enter` and `io_uring_register` follow it. */
  ioUringSetup: number;
  /** Set in the number of every x32 call, which shares the x86-64 audit arch. */
  foreignNumberBit?: number;
}

const architectures: Partial<Record<NodeJS.Architecture, Architecture>> = {
  x64: {
    audit: 0xc000003e,
    clone: 56,
    unshare: 272,
    clone3: 435,
    fallocate: 285,
    ioctl: 16,
    ioUringSetup: 425,
    foreignNumberBit: 0x40000000,
  },
  arm64: {
    audit: 0xc00000b7,
    clone: 220,
    unshare: 97,
    clone3: 435,
    fallocate: 47,
    ioctl: 29,
    ioUringSetup: 425,
  },
};

const cloneNewUser = 0x10000000;
/** FALLOC_FL_PUNCH_HOLE: frees a range, so it stays allowed; the kernel refuses it with any mode that allocates. */
const punchHole = 0x02;
/** _IOW('X', 40 | 42 | 57, struct space_resv): reserve a range (two sizes of offset), zero a range. */
const spaceReservingIoctls = [0x40305828, 0x4030582a, 0x40305839];
const errnoEPERM = 1;
const errnoENOSYS = 38;
const errnoEOPNOTSUPP = 95;

// Classic BPF, as seccomp reads it.
const loadWord = 0x20; // BPF_LD | BPF_W | BPF_ABS
const jumpIfEqual = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const jumpIfAtLeast = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const jumpIfAnyBit = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const returnValue = 0x06; // BPF_RET | BPF_K
const allow = 0x7fff0000; // SECCOMP_RET_ALLOW
const failWith = (errno: number) => 0x00050000 | errno; // SECCOMP_RET_ERRNO

// struct seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low half on little-endian machines).
const numberOffset = 0;
const archOffset = 4;
const firstArgumentOffset = 16;
/** An ioctl's request is an unsigned int: the low half of args[1] is all of it. */
const secondArgumentOffset = 24;

type Instruction = { code: number; k: number; ifTrue?: string; ifFalse?: string; label?: string };

/** The program for `arch`, or null where no numbers are known (the filter is then not applied). */
function sandboxFilter(arch: NodeJS.Architecture = process.arch): Buffer | null {
  const native = architectures[arch];
  if (!native) return null;
  const program: Instruction[] = [
    { code: loadWord, k: archOffset },
    { code: jumpIfEqual, k: native.audit, ifFalse: 'deny' },
    { code: loadWord, k: numberOffset },
    ...(native.foreignNumberBit === undefined
      ? []
      : [{ code: jumpIfAtLeast, k: native.foreignNumberBit, ifTrue: 'deny' }]),
    { code: jumpIfEqual, k: native.clone3, ifTrue: 'unknown' },
    { code: jumpIfEqual, k: native.ioUringSetup, ifTrue: 'unknown' },
    { code: jumpIfEqual, k: native.ioUringSetup + 1, ifTrue: 'unknown' },
    { code: jumpIfEqual, k: native.ioUringSetup + 2, ifTrue: 'unknown' },
    { code: jumpIfEqual, k: native.fallocate, ifTrue: 'fallocate' },
    { code: jumpIfEqual, k: native.ioctl, ifTrue: 'ioctl' },
    { code: jumpIfEqual, k: native.unshare, ifTrue: 'flags' },
    { code: jumpIfEqual, k: native.clone, ifTrue: 'flags' },
    { code: returnValue, k: allow },
    { label: 'flags', code: loadWord, k: firstArgumentOffset },
    { code: jumpIfAnyBit, k: cloneNewUser, ifTrue: 'deny' },
    { code: returnValue, k: allow },
    { label: 'fallocate', code: loadWord, k: secondArgumentOffset },
    { code: jumpIfAnyBit, k: punchHole, ifTrue: 'allowed', ifFalse: 'unsupported' },
    { label: 'ioctl', code: loadWord, k: secondArgumentOffset },
    ...spaceReservingIoctls.map((request) => ({ code: jumpIfEqual, k: request, ifTrue: 'unsupported' })),
    { code: returnValue, k: allow },
    { label: 'deny', code: returnValue, k: failWith(errnoEPERM) },
    { label: 'unknown', code: returnValue, k: failWith(errnoENOSYS) },
    { label: 'unsupported', code: returnValue, k: failWith(errnoEOPNOTSUPP) },
    { label: 'allowed', code: returnValue, k: allow },
  ];
  return assemble(program);
}

/** struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k, in the machine's byte order (little-endian). */
function assemble(program: Instruction[]): Buffer {
  const at = new Map(
    program.flatMap((instruction, index) => (instruction.label ? [[instruction.label, index]] : [])),
  );
  const offset = (from: number, label: string | undefined) => {
    if (label === undefined) return 0;
    const target = at.get(label);
    if (target === undefined || target <= from) throw new Error(`bad jump to ${label}`);
    return target - from - 1;
  };
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((instruction, index) => {
    bytes.writeUInt16LE(instruction.code, index * 8);
    bytes.writeUInt8(offset(index, instruction.ifTrue), index * 8 + 2);
    bytes.writeUInt8(offset(index, instruction.ifFalse), index * 8 + 3);
    bytes.writeUInt32LE(instruction.k >>> 0, index * 8 + 4);
  });
  return bytes;
}

/** This machine's program, or null where none is known. */
export const seccompFilter = sandboxFilter();

/** bwrap's arguments that load `seccompFilter` from the child's `fd`; none without a filter. */
export function seccompArguments(fd: number): string[] {
  return seccompFilter ? ['--seccomp', String(fd)] : [];
}

/** Writes `data` into a child's pipe and closes it; bwrap reads its seccomp fd to the end. */
export function writeAndClose(pipe: Writable | null | undefined, data: Buffer): void {
  // bwrap may exit before reading (a bad argument); its own error is what gets reported.
  pipe?.on('error', () => {});
  pipe?.end(data);
}
