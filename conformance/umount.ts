/*
 * The umount2 cases of the conformance harness: conformance/umount.c runs each case on the
 * host kernel, in a private mount namespace over a scratch copy of the model's default
 * tree; umountModelLines() runs the same calls on the model's plain API. One line per
 * call: its result, or `-ERRNO`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kernel, KernelError, MNT_DETACH, MNT_EXPIRE, MNT_FORCE, O_CREAT, O_DIRECTORY, O_RDONLY, O_RDWR, UMOUNT_NOFOLLOW, type Process } from '../src/index.js';
import { withHostProgram } from './host-program.js';

const D = O_RDONLY | O_DIRECTORY;

/**
 * The cases: errno order (flags, then the walk, then permission, then the mount root),
 * busy mounts, lazy umount with files and directories still open on the detached mount,
 * MNT_EXPIRE's mark and what clears it, a mount covering a non-empty directory, mounts
 * below mounts, stacked mounts, trailing slashes and dots, and an unprivileged caller.
 */
export const UMOUNT_CASES: readonly (readonly string[])[] = [
  ['umount2 mnt 0', 'umount2 nonexist 0', 'umount2 nonexist 16', 'umount2 data/log/x 0', 'umount2 data/log/ 0', 'umount2 srv 0', `umount2 mnt/.. 0`,
    'mount mnt', `umount2 mnt ${MNT_EXPIRE | MNT_FORCE}`, `umount2 mnt ${MNT_EXPIRE | MNT_DETACH}`, 'umount2 mnt 16', `umount2 mnt ${UMOUNT_NOFOLLOW}`, 'umount2 mnt 0'],
  ['mount mnt', `open mnt/f ${O_CREAT | O_RDWR}`, 'umount2 mnt 0', `umount2 mnt ${MNT_FORCE}`, `umount2 mnt ${MNT_EXPIRE}`, 'umount2 mnt/f 0', 'dup 0', 'close 0',
    'umount2 mnt 0', 'close 1', 'umount2 mnt 0', 'umount2 mnt 0'],
  ['mount mnt', 'creat mnt/f', `open mnt/f ${O_RDWR}`, 'write 0 hi', `umount2 mnt ${MNT_DETACH}`, `open mnt/f ${O_RDONLY}`, 'pread 0', 'write 0 !',
    `umount2 mnt ${MNT_DETACH}`, 'close 0', `open mnt ${D}`, 'getdents 1'],
  ['mount mnt', 'creat mnt/f', `open mnt ${D}`, `umount2 mnt ${MNT_DETACH}`, 'getdents 0', `open mnt ${D}`, 'getdents 1', `open mnt/f ${O_RDONLY}`],
  ['mount mnt', `umount2 mnt ${MNT_EXPIRE}`, `umount2 mnt ${MNT_EXPIRE}`, `umount2 mnt ${MNT_EXPIRE}`, 'mount mnt', `umount2 mnt ${MNT_EXPIRE}`,
    `open mnt ${D}`, `umount2 mnt ${MNT_EXPIRE}`, 'close 0', `umount2 mnt ${MNT_EXPIRE}`, `umount2 mnt ${MNT_EXPIRE}`],
  [`open srv ${D}`, 'mount srv', `open srv ${D}`, 'getdents 0', 'getdents 1', 'creat srv/x', 'close 1', 'umount2 srv 0', `open srv ${D}`, 'getdents 1',
    `open srv/x ${O_RDONLY}`, `open srv/a ${O_RDONLY}`],
  ['mount mnt', 'mkdir mnt/sub', 'mount mnt/sub', 'creat mnt/sub/g', 'umount2 mnt 0', `open mnt/sub/g ${O_RDWR}`, `umount2 mnt ${MNT_DETACH}`,
    'umount2 mnt/sub 0', 'write 0 z', 'pread 0', `open mnt/sub ${D}`],
  ['mount mnt', 'umount2 mnt/ 0', 'mount mnt', 'umount2 mnt/. 0', 'mount mnt', 'mkdir mnt/sub', 'umount2 mnt/sub/.. 0', 'umount2 mnt//./ 0'],
  ['mount mnt', 'creat mnt/low', 'mount mnt', `open mnt/low ${O_RDONLY}`, `open mnt ${D}`, 'getdents 0', 'umount2 mnt 0', 'close 0', 'umount2 mnt 0',
    `open mnt/low ${O_RDONLY}`, 'umount2 mnt 0', `umount2 mnt ${MNT_DETACH}`, 'mount mnt', 'mount mnt', `umount2 mnt ${MNT_DETACH}`, `open mnt/low ${O_RDONLY}`],
  ['mount mnt', 'setuid 65534', 'umount2 mnt 16', 'umount2 nonexist 0', 'umount2 srv 0', 'umount2 mnt 0', `umount2 mnt ${MNT_DETACH}`, `umount2 mnt ${MNT_EXPIRE | MNT_DETACH}`],
];

/** Builds the model's default tree (the parts the cases touch) under `dir`. */
function buildTree(dir: string): void {
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data/log'), new Kernel().vfs.lookup('/data/log').inode.data, 'latin1');
  mkdirSync(join(dir, 'srv'));
  for (const e of new Kernel().vfs.lookup('/srv').inode.entries) writeFileSync(join(dir, 'srv', e), '');
  mkdirSync(join(dir, 'mnt'));
  mkdirSync(join(dir, 'tmp'));
}

/** The host's lines per case, or why the host cannot run them (not Linux, no compiler, no mount namespace). */
export function umountHostLines(): { lines: string[][] } | { skip: string } {
  return withHostProgram('umount', (exe, dir) => {
    const lines: string[][] = [];
    for (const [i, c] of UMOUNT_CASES.entries()) {
      const root = join(dir, `root${i}`);
      mkdirSync(root);
      buildTree(root);
      const r = spawnSync(exe, [root], { input: `${c.join('\n')}\n`, encoding: 'utf8' });
      if (r.status === 2) return { skip: `no private mount namespace on this host (needs CAP_SYS_ADMIN): ${r.stderr.trim()}` };
      if (r.status !== 0) throw new Error(`umount runner failed (${r.status ?? r.signal}): ${r.stderr}`);
      lines.push(r.stdout.trim().split('\n'));
    }
    return { lines };
  });
}

/** The same cases on the model: a process with uid 0 (CAP_SYS_ADMIN), a fresh kernel per case. */
export function umountModelLines(audit?: (k: Kernel) => void): string[][] {
  return UMOUNT_CASES.map((c) => {
    const k = new Kernel();
    let p: Process = k.spawnProcess({ creds: { uid: 0 } });
    const out = c.map((line) => {
      const [op, a = '', b = ''] = line.split(' ');
      const path = `/${a}`;
      try {
        switch (op) {
          case 'mount':
            k.vfs.mount(path);
            return '0';
          case 'mkdir':
            k.vfs.mkdir(path);
            return '0';
          case 'creat':
            p.close(p.open(path, O_CREAT | O_RDWR));
            return '0';
          case 'umount2':
            p.umount2(path, Number(b));
            return '0';
          case 'open':
            return String(p.open(path, Number(b)));
          case 'close':
            p.close(Number(a));
            return '0';
          case 'dup':
            return String(p.dup(Number(a)));
          case 'write':
            return String(p.write(Number(a), b));
          case 'pread':
            p.lseek(Number(a), 0, 0);
            return p.read(Number(a), 255);
          case 'getdents': {
            const names = p.getdents(Number(a), 256).filter((n) => n !== '.' && n !== '..').sort();
            return `${names.join(',')}[${names.length}]`;
          }
          case 'setuid':
            // The model has no setuid(2): the calls go on from a process with those credentials.
            p = k.spawnProcess({ creds: { uid: Number(a) } });
            return '0';
          default:
            return `?${op}`;
        }
      } catch (e) {
        if (e instanceof KernelError) return `-${e.code}`;
        throw e;
      }
    });
    audit?.(k);
    return out;
  });
}
