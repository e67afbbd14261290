import { KernelError } from '../sim/kernel-error.js';
import { ModelError } from '../sim/model-error.js';
import { access } from '../sim/step.js';
import {
  FMODE_ATOMIC_POS, FMODE_LSEEK, FMODE_OPENED, FMODE_PATH, FMODE_PREAD, FMODE_PWRITE, FMODE_READ, FMODE_WRITE,
  O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NONBLOCK, O_PATH, O_RDWR, O_TMPFILE, O_TRUNC, O_WRONLY,
} from './constants.js';
import { buildOpenFlags, getname, NAME_MAX } from './open-flags.js';
import { anonFileOperations, directoryOperations, regularFileOperations, type FileOperations } from './file-operations.js';
import { Pipe, pipeOperations } from './pipe.js';
import { Inode, type InodeKind } from './inode.js';
import { Mount } from './mount.js';
import type { RefFile } from './ref-file.js';
import type { FileWorld } from './world.js';

/** Field of the namespace's engine object: the dentry tree, read by every lookup. */
const VFS_NAMESPACE = 0;
/** Field of the namespace's engine object: the inode number counter (get_next_ino()). */
const VFS_LAST_INO = 1;

/**
 * The result of a path lookup: the inode and the mount it lives on.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const { inode, mount } = new Kernel().vfs.lookup('/srv');
 * ```
 */
export interface PathTarget {
  /** The inode found. */
  readonly inode: Inode;
  /** The mount it belongs to. */
  readonly mount: Mount;
}

/**
 * The file namespace: paths, inodes and mounts, and the step that turns a path into an
 * opened struct file.
 *
 * Models path lookup (fs/namei.c) and do_dentry_open() (fs/open.c), reduced to what
 * file lifetime needs. A new kernel has `/data/log` (a regular file), `/srv` (a
 * directory with four entries), `/tmp` and `/mnt` (empty directories), plus the internal
 * SB_NOUSER filesystems for anonymous inodes and pipes.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.vfs.writeFile('/tmp/notes', 'hi');
 * k.vfs.lookup('/tmp/notes').inode.data; // 'hi'
 * ```
 */
export class Vfs {
  /** Engine object id of the namespace (field 0: the dentry tree; field 1: the inode counter). */
  readonly simId: number;
  /** The root filesystem. */
  readonly root: Mount;
  /** Internal anonymous-inode filesystem (anon_inodefs, SB_NOUSER). */
  readonly anon: Mount;
  /** Internal pipe filesystem (pipefs, SB_NOUSER). */
  readonly pipefs: Mount;
  private readonly world: FileWorld;
  private readonly nodes = new Map<string, Inode>();
  /** What each mount covers: the namespace entries at and below its mount point, and the mounts below it. */
  private covered: Map<Mount, { readonly nodes: Map<string, Inode>; readonly mounts: Mount[] }> | null = null;
  private readonly mounts = new Map<string, Mount>();
  private nextIno = TEMPLATE_INO.size + 1;
  private nextMnt = 1;
  private readonly anonInode: Inode;

  /** @param world - the kernel world */
  constructor(world: FileWorld) {
    this.world = world;
    this.simId = world.engine.register({ simName: () => 'namespace' });
    this.root = this.newMount('/', 'rootfs', false);
    this.mounts.set('/', this.root);
    this.anon = this.newMount('anon_inode:', 'anon_inodefs', true);
    this.pipefs = this.newMount('pipe:', 'pipefs', true);
    this.anonInode = this.newInode('anon', 'anon_inode:[anon]');
  }

  /**
   * The inode at a canonical path. The default tree is materialised on first use from
   * a shared template, so that a kernel built for one explored run (there may be
   * hundreds of thousands) costs almost nothing until it touches a path.
   */
  private node(p: string): Inode | undefined {
    this.world.engine.read(this.simId, VFS_NAMESPACE);
    const n = this.nodes.get(p);
    if (n !== undefined) return n;
    const t = TEMPLATE.get(p);
    if (t === undefined || this.isCovered(p)) return undefined;
    // Materialising is not an event of the modelled kernel (the default tree exists from
    // the start): the inode gets the number the template gives it, never one from the
    // counter new inodes draw from, so nothing observable depends on which lookup came
    // first, and a lookup stays a read of the namespace. Parents first: a file's parent
    // exists whenever the file does.
    if (p !== '/') this.node(dirname(p));
    const ino = this.inodeOf(TEMPLATE_INO.get(p)!, t.kind, p);
    if (t.kind === 'dir') ino.entries.push(...t.content);
    else ino.initData(t.content[0] ?? '');
    this.nodes.set(p, ino);
    return ino;
  }

  /** True if a template path lies below a mount point: the mounted filesystem hides it. */
  private isCovered(p: string): boolean {
    if (this.mounts.size === 1) return false;
    for (const q of this.mounts.keys()) if (q !== '/' && p.startsWith(`${q}/`)) return true;
    return false;
  }

  /** Resolves `path` (absolute, normalised). Throws ENOENT / ENOTDIR / EINVAL. */
  lookup(path: string): PathTarget {
    const p = normalise(path);
    const inode = this.node(p);
    if (inode === undefined) {
      const parent = this.node(dirname(p));
      throw new KernelError(parent !== undefined && parent.kind !== 'dir' ? 'ENOTDIR' : 'ENOENT', 'lookup', path);
    }
    return { inode, mount: this.mountOf(p) };
  }

  /**
   * The socket inode a bind(2) to a path makes: unix_bind_bsd()'s kern_path_create() and
   * vfs_mknod(S_IFSOCK). ENOENT or ENOTDIR for the parents (a trailing slash on a new name
   * is ENOENT), EEXIST for any file already there (bind answers EADDRINUSE). The name
   * stays after the socket is closed, as on Linux. Declare {@link mksockAccesses}. @internal
   */
  mksock(path: string, call: string): Inode {
    const w = this.walk(path);
    if (this.nodeOf(w) !== undefined) throw new KernelError('EEXIST', call, path);
    if (w.trailingSlash) throw new KernelError('ENOENT', call, path);
    return this.create(w.path, 'sock');
  }

  /** What {@link mksock} and {@link unlinkSock} touch: the namespace and the inode counter. @internal */
  mksockAccesses(): number[] {
    return [access(this.simId, VFS_NAMESPACE, true), this.newInodeAccess()];
  }

  /** Takes the socket inode {@link mksock} just made out of the namespace again (bind's error path). @internal */
  unlinkSock(inode: Inode): void {
    this.world.engine.write(this.simId, VFS_NAMESPACE);
    const p = inode.path;
    if (this.nodes.get(p) !== inode) return;
    this.nodes.delete(p);
    const parent = this.node(dirname(p));
    const i = parent?.entries.indexOf(p.slice(p.lastIndexOf('/') + 1)) ?? -1;
    if (i >= 0) parent!.entries.splice(i, 1);
  }

  /**
   * The inode a connect(2) to a path finds: the walk an open without O_CREAT makes
   * (ENOENT, ENOTDIR; a trailing slash demands a directory). @internal
   */
  resolve(path: string, call: string): Inode {
    const w = this.walk(path);
    const inode = this.nodeOf(w);
    if (inode === undefined) throw new KernelError('ENOENT', call, path);
    if (w.trailingSlash && inode.kind !== 'dir') throw new KernelError('ENOTDIR', call, path);
    return inode;
  }

  /** The inode a walk ends at, if any (a path ending in `/`, `.` or `..` names its directory). */
  private nodeOf(w: { dir: string; path: string; last: string | null }): Inode | undefined {
    return w.last === null ? this.node(w.dir) : this.node(w.path);
  }

  /** Creates a directory (with optional entries as empty regular files). */
  mkdir(path: string, entries: readonly string[] = []): Inode {
    const ino = this.create(path, 'dir');
    for (const e of entries) this.create(`${normalise(path)}/${e}`, 'reg');
    return ino;
  }

  /**
   * Creates a device node at `path` whose opens get `ops` — the way to reach a file type
   * of your own by path: `open()`, `sys.open()`, dup, fork, exec and close treat its files
   * like any other, and the audit counts them. Models mknod(2) of a character device
   * together with the driver's registration (chrdev_open() installs the driver's
   * file_operations as f_op). EEXIST if the path exists, ENOENT or ENOTDIR for the parent.
   *
   * @example
   * ```ts
   * import { Kernel, O_RDWR, type FileOperations } from 'fdlab';
   * const counter: FileOperations = { name: 'counter', stream: true, read: () => '1' };
   * const k = new Kernel();
   * k.vfs.mknod('/tmp/counter', counter);
   * const p = k.spawnProcess();
   * p.read(p.open('/tmp/counter', O_RDWR), 8); // '1'
   * ```
   */
  mknod(path: string, ops: FileOperations): Inode {
    if (typeof ops !== 'object' || ops === null || typeof ops.name !== 'string') throw new ModelError('bad-argument', `mknod(${path}): ops must be FileOperations with a name`);
    const ino = this.create(path, 'chr');
    ino.fops = ops;
    return ino;
  }

  /** Creates or overwrites a regular file with `data`. */
  writeFile(path: string, data: string): Inode {
    const p = normalise(path);
    const ino = this.node(p) ?? this.create(p, 'reg');
    if (ino.kind !== 'reg') throw new KernelError('EISDIR', 'writeFile', path);
    ino.data = data;
    return ino;
  }

  /**
   * Mounts a new empty filesystem on the directory `path`. `opts.fileOperations` sets the
   * operations of the regular files created on it (e.g. {@link kernfsFileOperations} for
   * a sysfs-like filesystem whose files can be polled).
   *
   * The new filesystem's root directory covers the directory mounted on: what was below
   * `path` is hidden until the umount, and a file or directory already open there keeps
   * the covered inode (as after mount(2)). Mounting on a mount point stacks: the new
   * mount covers the old one, which comes back with the umount. The model has one mount
   * namespace whose root stays: mounting on `/` is `ModelError('bad-argument')`.
   */
  mount(path: string, fstype = 'tmpfs', opts: { readonly fileOperations?: FileOperations } = {}): Mount {
    const p = normalise(path);
    if (p === '/') throw new ModelError('bad-argument', 'mount("/"): the model keeps its root filesystem; mount on a directory below it');
    const { inode } = this.lookup(p);
    if (inode.kind !== 'dir') throw new KernelError('ENOTDIR', 'mount', path);
    this.world.engine.write(this.simId, VFS_NAMESPACE);
    const m = this.newMount(p, fstype, false);
    if (opts.fileOperations !== undefined) m.fileOperations = opts.fileOperations;
    const nodes = new Map<string, Inode>();
    const mounts: Mount[] = [];
    for (const [k, v] of this.nodes) if (k === p || k.startsWith(`${p}/`)) nodes.set(k, v);
    for (const k of nodes.keys()) this.nodes.delete(k);
    for (const [k, v] of this.mounts) if (k === p || k.startsWith(`${p}/`)) mounts.push(v);
    for (const c of mounts) this.mounts.delete(c.path);
    (this.covered ??= new Map()).set(m, { nodes, mounts });
    this.nodes.set(p, this.newInode('dir', p));
    this.mounts.set(p, m);
    if (this.world.engine.tracing) this.world.engine.effect('mount', m.simId, 0, undefined, 0, { note: fstype });
    return m;
  }

  /**
   * Unmounts `path`. EINVAL if it is not a mount point or is the root; EBUSY while any
   * file on it is alive — including files only io_uring or an in-flight SCM_RIGHTS
   * message still holds — or a filesystem is mounted below it.
   */
  umount(path: string): void {
    const p = normalise(path);
    const m = this.mounts.get(p);
    if (m === undefined || m === this.root) throw new KernelError('EINVAL', 'umount', `${path} is not an unmountable mount point`);
    this.detach(m, false);
  }

  /**
   * The mount whose root `path` names, or null if the path is not a mount root: the
   * lookup of umount2(2) (user_path_at() and path_mounted()). Throws what the path walk
   * throws (ENOENT, ENOTDIR, ENAMETOOLONG).
   *
   * @example
   * ```ts
   * import { Kernel } from 'fdlab';
   * const k = new Kernel();
   * const m = k.vfs.mount('/mnt');
   * k.vfs.mountRoot('/mnt/.') === m; // true
   * k.vfs.mountRoot('/srv');         // null: a directory, not a mount root
   * ```
   */
  mountRoot(path: string): Mount | null {
    const w = this.walk(path);
    if (w.last !== null && w.last.length > NAME_MAX) throw new KernelError('ENAMETOOLONG', 'lookup', `component of ${w.last.length} bytes`);
    const inode = this.node(w.path);
    if (inode === undefined) throw new KernelError('ENOENT', 'lookup', path);
    if (w.trailingSlash && inode.kind !== 'dir') throw new KernelError('ENOTDIR', 'lookup', path);
    return this.mounts.get(w.path) ?? null;
  }

  /**
   * Takes mount `m` out of the namespace: umount_tree() in fs/namespace.c. Without `lazy`
   * it must not be busy (a live file on it, or a mount below it: EBUSY). With `lazy`
   * (MNT_DETACH) it goes with every mount below it, busy or not; their files keep working
   * and keep their mounts alive until the last one is closed. What the mount covered comes
   * back. A mount that another one was stacked on since (mount(2) on its mount point)
   * has that one as a child: EBUSY, or detached with it. `m` must be in the namespace
   * and not the root (a `ModelError` otherwise: umount2 answers EINVAL before it gets
   * here).
   *
   * @example
   * ```ts
   * import { Kernel, O_RDONLY } from 'fdlab';
   * const k = new Kernel();
   * const m = k.vfs.mount('/mnt');
   * k.spawnProcess().open('/mnt', O_RDONLY); // pins it
   * k.vfs.detach(m, true);                   // lazily: m.mounted is false, m.count still 1
   * ```
   */
  detach(m: Mount, lazy: boolean): void {
    const p = m.path;
    const top = this.mounts.get(p);
    if (m === this.root || !m.mounted || top === undefined) throw new ModelError('bad-argument', `detach: ${p} is not a mount in the namespace that can be unmounted`);
    // m may be covered by mounts stacked on its root since (a mount(2) that raced the
    // umount2 after its path walk): each is a child of the one below, so all of them,
    // with what they covered of m's tree, belong to m's tree.
    const stack: Mount[] = [];
    for (let cur = top; cur !== m; ) {
      stack.push(cur);
      const next = this.covered?.get(cur)?.mounts.find((x) => x.path === p);
      if (next === undefined) throw new ModelError('bad-argument', `detach: ${p} is not a mount in the namespace that can be unmounted`);
      cur = next;
    }
    const below: Mount[] = [...stack];
    for (const [k, v] of this.mounts) if (k.startsWith(`${p}/`)) below.push(v);
    for (const st of stack) for (const d of this.covered!.get(st)!.mounts) if (d !== m && !stack.includes(d)) below.push(d);
    if (!lazy) {
      if (m.busy()) throw new KernelError('EBUSY', 'umount', `${m.count} open file(s) pin ${p}`);
      if (below.length > 0) throw new KernelError('EBUSY', 'umount', `${below[0]!.path} is mounted on or below ${p}`);
    }
    this.world.engine.write(this.simId, VFS_NAMESPACE);
    const c = this.covered?.get(m);
    for (const d of [m, ...below]) {
      if (this.mounts.get(d.path) === d) this.mounts.delete(d.path);
      d.mounted = false;
      this.covered?.delete(d);
    }
    for (const k of [...this.nodes.keys()]) if (k === p || k.startsWith(`${p}/`)) this.nodes.delete(k);
    if (c !== undefined) {
      for (const [k, v] of c.nodes) this.nodes.set(k, v);
      for (const d of c.mounts) this.mounts.set(d.path, d);
    }
    if (this.world.engine.tracing) this.world.engine.effect('umount', m.simId, 0, 0, undefined, lazy ? { note: 'MNT_DETACH' } : undefined);
  }

  /** Every mount: the root, the internal SB_NOUSER filesystems, and the mounted ones. */
  allMounts(): Mount[] {
    return [this.anon, this.pipefs, ...this.mounts.values()];
  }

  /** The mount whose mount point is exactly `path`, if any. */
  mountAt(path: string): Mount | undefined {
    return this.mounts.get(normalise(path));
  }

  /** The mount a path lives on (longest mount-point prefix). */
  mountOf(path: string): Mount {
    let p = normalise(path);
    this.world.engine.read(this.simId, VFS_NAMESPACE);
    for (;;) {
      const m = this.mounts.get(p);
      if (m !== undefined) return m;
      p = dirname(p);
    }
  }

  /**
   * Opens `path` with open(2) `flags`: takes the flags and the path as open(2) does
   * (buildOpenFlags(), getname()), walks the path, then allocates the struct file with
   * one reference, FMODE bits set as do_dentry_open() sets them, and the mount pinned.
   * One atomic step; throws (changing nothing) on EINVAL, ENOENT, EEXIST, ENOTDIR,
   * EISDIR, ENAMETOOLONG, EOPNOTSUPP.
   *
   * The checks follow path_openat(): link_path_walk() (ENOTDIR through a non-directory,
   * ENOENT, ENAMETOOLONG for a component over NAME_MAX), open_last_lookups() (with
   * O_CREAT a trailing slash is EISDIR; without it a trailing slash demands a
   * directory), then do_open(): O_EXCL on an existing file EEXIST, O_CREAT on a directory
   * EISDIR, LOOKUP_DIRECTORY on a non-directory ENOTDIR, may_open() (a directory may not
   * be opened for writing or with O_TRUNC: EISDIR), vfs_open() (O_DIRECT where the file
   * cannot do direct I/O: EINVAL), and O_TRUNC on an existing regular file.
   */
  openFile(path: string, flags: number): RefFile {
    const f = buildOpenFlags(flags);
    getname(path);
    const w = this.walk(path);
    const creat = (f & O_CREAT) !== 0;
    let inode: Inode | undefined;
    let created = false;
    if (w.last === null) inode = this.node(w.dir);
    else {
      if (creat && w.trailingSlash) throw new KernelError('EISDIR', 'open', `${path}: O_CREAT with a trailing slash`);
      if (w.last.length > NAME_MAX) throw new KernelError('ENAMETOOLONG', 'open', `component of ${w.last.length} bytes`);
      inode = this.node(w.path);
      if (inode === undefined) {
        if (!creat) throw new KernelError('ENOENT', 'open', path);
        if (f & O_TMPFILE & ~O_DIRECTORY) throw new KernelError('EOPNOTSUPP', 'open', 'O_TMPFILE is not modelled');
        inode = this.create(w.path, 'reg');
        created = true;
      }
    }
    if (inode === undefined) throw new KernelError('ENOENT', 'open', path);
    if (creat) {
      if (f & O_EXCL && !created) throw new KernelError('EEXIST', 'open', path);
      if (inode.kind === 'dir') throw new KernelError('EISDIR', 'open', path);
    }
    if ((f & O_DIRECTORY || w.trailingSlash) && inode.kind !== 'dir') throw new KernelError('ENOTDIR', 'open', path);
    if (f & O_TMPFILE & ~O_DIRECTORY) throw new KernelError('EOPNOTSUPP', 'open', 'O_TMPFILE is not modelled');
    if (!(f & O_PATH)) {
      // may_open(): ACC_MODE gives MAY_WRITE for access modes 1, 2 and 3, and O_TRUNC adds it.
      if (inode.kind === 'dir' && ((f & 3) !== 0 || (f & O_TRUNC) !== 0)) throw new KernelError('EISDIR', 'open', path);
      // A socket inode's f_op is bad_sock_fops, whose ->open (before the O_DIRECT check of
      // do_dentry_open()) is ENXIO; O_PATH opens it.
      if (inode.kind === 'sock') throw new KernelError('ENXIO', 'open', `${path} is a socket`);
      // do_dentry_open(): only regular files here can do direct I/O (FMODE_CAN_ODIRECT).
      if (f & O_DIRECT && inode.kind !== 'reg') throw new KernelError('EINVAL', 'open', `${path}: O_DIRECT not supported`);
      // do_open(): O_TRUNC truncates an existing regular file whatever the access mode.
      if (f & O_TRUNC && inode.kind === 'reg' && !created) inode.data = '';
    }
    const mount = this.mountOf(w.path);
    const ops = inode.fops ?? (inode.kind === 'dir' ? directoryOperations : inode.kind === 'fifo' ? pipeOperations : (mount.fileOperations ?? regularFileOperations));
    // do_dentry_open(): f_flags lose O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC.
    return this.openInode(inode, mount, ops, f & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
  }

  /**
   * link_path_walk() up to the last component: every component before it must be a
   * directory that exists. Returns the canonical path, its parent and the last name
   * (null when the path ends in `/`, `.` or `..`: LAST_ROOT / LAST_DOT / LAST_DOTDOT).
   */
  private walk(path: string): { path: string; dir: string; last: string | null; trailingSlash: boolean } {
    if (path.charCodeAt(0) !== 47) throw new KernelError('ENOENT', 'lookup', `not an absolute path: ${path}`);
    const trailingSlash = path.length > 1 && path.endsWith('/');
    let dir = '/';
    // Components scanned in place (no split and filter per open: setup opens in every
    // explored run); empty components (`//`) are skipped, as split-and-filter did.
    const n = path.length;
    let at = 1;
    while (at < n && path.charCodeAt(at) === 47) at++;
    while (at < n) {
      let end = path.indexOf('/', at);
      if (end < 0) end = n;
      const c = path.slice(at, end);
      at = end;
      while (at < n && path.charCodeAt(at) === 47) at++;
      const cur = this.node(dir);
      if (cur === undefined || cur.kind !== 'dir') throw new KernelError('ENOTDIR', 'lookup', path);
      const isLast = at >= n;
      if (c === '.' || c === '..') {
        if (c === '..') dir = dirname(dir);
        if (isLast) return { path: dir, dir, last: null, trailingSlash };
        continue;
      }
      const next = dir === '/' ? `/${c}` : `${dir}/${c}`;
      if (isLast) return { path: next, dir, last: c, trailingSlash };
      if (c.length > NAME_MAX) throw new KernelError('ENAMETOOLONG', 'lookup', `component of ${c.length} bytes`);
      if (this.node(next) === undefined) throw new KernelError('ENOENT', 'lookup', path);
      dir = next;
    }
    return { path: dir, dir, last: null, trailingSlash };
  }

  /**
   * What a step that calls {@link openAnon} declares: the allocation from filp_cachep and
   * the mntget() of the anonymous-inode mount.
   */
  anonFileAccesses(): [number, number] {
    return [this.world.slab.allocAccess(), this.anon.countAccess(true)];
  }

  /**
   * What a step that calls {@link openPipe} declares: two files from filp_cachep on
   * pipefs, and the inode counter the pipe's inode takes its number from.
   */
  pipeFileAccesses(): [number, number, number] {
    return [this.world.slab.allocAccess(), this.pipefs.countAccess(true), this.newInodeAccess()];
  }

  /**
   * What a step that creates an inode declares: the write of the inode number counter
   * (get_next_ino()), so that two steps creating inodes are ordered (their numbers, and a
   * pipe's name `pipe:[N]`, depend on their order).
   *
   * @example
   * ```ts
   * import { access, Kernel } from 'fdlab';
   * const k = new Kernel();
   * // a step of your own that calls k.vfs.writeFile() on a new path declares the
   * // namespace (the new entry) and the inode counter:
   * const acc = [access(k.vfs.simId, 0, true), k.vfs.newInodeAccess()];
   * ```
   */
  newInodeAccess(): number {
    return access(this.simId, VFS_LAST_INO, true);
  }

  /** anon_inode_getfile(): a file on the internal anonymous-inode filesystem. */
  openAnon(name: string, ops: FileOperations = anonFileOperations, flags = O_RDWR): RefFile {
    const f = this.openInode(this.anonInode, this.anon, ops, flags);
    if (this.world.engine.tracing) this.world.engine.effect('anon_inode_getfile', f.simId, undefined, undefined, undefined, { path: name });
    return f;
  }

  /**
   * A new pipe inode and its two ends (create_pipe_files()): [read end, write end]. The
   * read end keeps only O_NONBLOCK; the write end O_NONBLOCK and O_DIRECT (packet mode
   * is a property of the writer).
   */
  openPipe(flags = 0): [RefFile, RefFile] {
    const inode = this.newInode('fifo', `pipe:[${this.nextIno}]`);
    inode.pipe = new Pipe(this.world.engine, inode.path);
    return [
      this.openInode(inode, this.pipefs, pipeOperations, flags & O_NONBLOCK),
      this.openInode(inode, this.pipefs, pipeOperations, (flags & (O_NONBLOCK | O_DIRECT)) | O_WRONLY),
    ];
  }

  private openInode(inode: Inode, mount: Mount, ops: FileOperations, flags: number): RefFile {
    let mode = FMODE_OPENED;
    if (flags & O_PATH) mode |= FMODE_PATH;
    else {
      const acc = flags & 3;
      if (acc === 0 || acc === O_RDWR) mode |= FMODE_READ;
      if (acc === O_WRONLY || acc === O_RDWR) mode |= FMODE_WRITE;
      if (!ops.stream) mode |= FMODE_LSEEK | FMODE_ATOMIC_POS | FMODE_PREAD | FMODE_PWRITE;
      else {
        if (ops.llseek !== undefined) mode |= FMODE_LSEEK; // a stream with noop_llseek
        if (ops.positionalIo === true) mode |= FMODE_PREAD | FMODE_PWRITE;
      }
    }
    mount.mntget();
    return this.world.slab.alloc(ops, inode, mount, mode, flags & ~O_CLOEXEC);
  }

  private create(path: string, kind: InodeKind): Inode {
    const p = normalise(path);
    this.world.engine.write(this.simId, VFS_NAMESPACE);
    if (this.node(p) !== undefined) throw new KernelError('EEXIST', 'create', path);
    const parent = this.node(dirname(p));
    if (parent === undefined) throw new KernelError('ENOENT', 'create', path);
    if (parent.kind !== 'dir') throw new KernelError('ENOTDIR', 'create', path);
    const ino = this.newInode(kind, p);
    this.nodes.set(p, ino);
    parent.entries.push(p.slice(p.lastIndexOf('/') + 1));
    return ino;
  }

  /**
   * A new inode, numbered by get_next_ino(): the counter is a location of its own
   * (`VFS_LAST_INO`), written by every step that creates an inode — an O_CREAT open, a
   * pipe, a mount's root — so two such steps are ordered: the numbers (and a pipe's
   * name, `pipe:[N]`) depend on their order.
   */
  private newInode(kind: InodeKind, path: string): Inode {
    this.world.engine.write(this.simId, VFS_LAST_INO);
    return this.inodeOf(this.nextIno++, kind, path);
  }

  private inodeOf(id: number, kind: InodeKind, path: string): Inode {
    const ino = new Inode(id, kind, path);
    ino.simId = this.world.engine.register(ino);
    ino.engine = this.world.engine;
    return ino;
  }

  private newMount(path: string, fstype: string, nouser: boolean): Mount {
    return new Mount(this.world, this.nextMnt++, path, fstype, nouser);
  }
}

/** The tree every kernel starts with: path → kind and contents (file data or dir entries). */
const TEMPLATE: ReadonlyMap<string, { kind: InodeKind; content: readonly string[] }> = new Map([
  ['/', { kind: 'dir', content: ['data', 'srv', 'tmp', 'mnt'] }],
  ['/data', { kind: 'dir', content: ['log'] }],
  ['/data/log', { kind: 'reg', content: ['line 1\nline 2\nline 3\n'] }],
  ['/srv', { kind: 'dir', content: ['a', 'b', 'c', 'd'] }],
  ['/srv/a', { kind: 'reg', content: ['a'] }],
  ['/srv/b', { kind: 'reg', content: ['b'] }],
  ['/srv/c', { kind: 'reg', content: ['c'] }],
  ['/srv/d', { kind: 'reg', content: ['d'] }],
  ['/tmp', { kind: 'dir', content: [] }],
  ['/mnt', { kind: 'dir', content: [] }],
]);

/** The inode number of each template path: fixed, whenever a kernel first looks it up. */
const TEMPLATE_INO: ReadonlyMap<string, number> = new Map([...TEMPLATE.keys()].map((p, i) => [p, i + 1]));

const CLEAN = /^(\/[^/.][^/]*|\/\.[^/.][^/]*|\/\.\.[^/]+)*$/;

function normalise(path: string): string {
  if (typeof path !== 'string' || path.charCodeAt(0) !== 47) throw new KernelError('ENOENT', 'lookup', `not an absolute path: ${String(path)}`);
  if (path.length > 1 && CLEAN.test(path)) return path; // already canonical: the common case
  const parts: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return `/${parts.join('/')}`;
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
