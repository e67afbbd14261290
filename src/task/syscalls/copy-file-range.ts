import { FMODE_READ, FMODE_WRITE, O_APPEND } from '../../file/constants.js';
import { fileOpAccesses, S_MAXBYTES } from '../../file/file-operations.js';
import { F_STATE } from '../../file/ref-file.js';
import { KernelError } from '../../sim/kernel-error.js';
import { access, type KernelPath } from '../../sim/step.js';
import { requireSyscall } from '../syscall-table.js';
import type { Task } from '../task.js';
import { asArray, LOFF_LIMIT, MAX_RW_COUNT } from './rw.js';
import { spliceCopy, withTwoFiles } from './splice.js';

const NO_LOCK = 'takes no f_pos_lock (copy_file_range() looks its files up with fdget(), not fdget_pos())';

/**
 * copy_file_range(2) as a kernel path for task `t`: copies up to `len` bytes from the
 * file at `inFd` to the file at `outFd`, each side from its offset argument (the kernel
 * then advances the caller's variable: the new value is the offset plus the result) or,
 * where that is null, from the file's f_pos, which it advances. Models the
 * copy_file_range system call and vfs_copy_file_range() in fs/read_write.c, in their
 * order (checked on the host):
 *
 * 1. fdget(in), fdget(out) — EBADF; every f_pos wanted is read, a step each, under
 *    fdget(): as with sendfile(2), no f_pos_lock, so an update races with read() and
 *    write() on the same open file in every version;
 * 2. EINVAL for any flag (COPY_FILE_SPLICE is kernel-internal);
 * 3. one step, generic_copy_file_checks(): EISDIR if either is a directory, EINVAL unless
 *    both are regular files, EBADF unless in is readable and out writable and not
 *    O_APPEND, EXDEV across filesystems (the model's mounts: no bind mounts, so one
 *    mount is one superblock), EOVERFLOW when an offset plus the count wraps around 2^64
 *    (a negative offset does), the count cut at the in-file's end, EFBIG at or past
 *    s_maxbytes for the out offset, EINVAL for overlapping ranges of one inode; then
 *    rw_verify_area(): EINVAL for a negative offset (with a zero count); then 0 for
 *    nothing to copy, else the splice copy;
 * 4. if anything moved, in's f_pos and then out's (those without an offset) are written
 *    back, a step each, and both files are put.
 *
 * @internal
 */
export function* copyFileRangeSteps(t: Task, inFd: number, offIn: number | null, outFd: number, offOut: number | null, len: number, flags: number): KernelPath<number> {
  requireSyscall(t.world.policy, 'copy_file_range', 'v5.11');
  if (!Number.isInteger(len) || len < 0 || len >= 2 ** 64) throw new KernelError('EINVAL', 'copy_file_range', `bad length ${len}`);
  return yield* withTwoFiles(t, 'copy_file_range', inFd, outFd, NO_LOCK, function* (fin, fout, unlocked) {
    const posIn = offIn ?? (yield* unlocked.read(fin));
    const posOut = offOut ?? (yield* unlocked.read(fout));
    if (flags !== 0) throw new KernelError('EINVAL', 'copy_file_range', `bad flags ${flags}`);
    if (!Number.isInteger(posIn) || !Number.isInteger(posOut) || Math.abs(posIn) >= LOFF_LIMIT || Math.abs(posOut) >= LOFF_LIMIT) {
      throw new KernelError('EINVAL', 'copy_file_range', `bad offset ${Number.isInteger(posIn) ? posOut : posIn}`);
    }
    yield { fn: 'vfs_copy_file_range', acc: [...asArray(fileOpAccesses(fin, 'read')), ...asArray(fileOpAccesses(fout, 'write')), access(fout.simId, F_STATE, false)] };
    t.world.engine.read(fout.simId, F_STATE);
    // generic_file_rw_checks()
    if (fin.inode.kind === 'dir' || fout.inode.kind === 'dir') throw new KernelError('EISDIR', 'copy_file_range', 'a directory');
    if (fin.inode.kind !== 'reg' || fout.inode.kind !== 'reg') throw new KernelError('EINVAL', 'copy_file_range', 'not a regular file');
    if (!(fin.mode & FMODE_READ) || !(fout.mode & FMODE_WRITE) || fout.flags & O_APPEND) throw new KernelError('EBADF', 'copy_file_range', 'access mode or O_APPEND');
    if (fin.mount !== fout.mount) throw new KernelError('EXDEV', 'copy_file_range', `${fin.name} and ${fout.name} are on different filesystems`);
    // Offset plus count in u64, as the kernel adds them: a negative offset is near 2^64
    // and wraps as soon as the count reaches its magnitude.
    const wraps = (pos: number): boolean => (pos < 0 ? len >= -pos : pos + len >= 2 ** 64);
    if (wraps(posIn) || wraps(posOut)) {
      throw new KernelError('EOVERFLOW', 'copy_file_range', 'offset plus length wraps');
    }
    const sizeIn = fin.inode.data.length;
    let n = posIn >= sizeIn ? 0 : Math.min(len, sizeIn - posIn);
    // generic_write_check_limits()
    if (posOut >= S_MAXBYTES) throw new KernelError('EFBIG', 'copy_file_range', `offset ${posOut} at or past the maximum file size`);
    n = Math.min(n, S_MAXBYTES - posOut);
    if (fin.inode === fout.inode && posOut + n > posIn && posOut < posIn + n) throw new KernelError('EINVAL', 'copy_file_range', 'overlapping ranges of one file');
    // rw_verify_area() of both sides.
    if (posIn < 0 || posOut < 0) throw new KernelError('EINVAL', 'copy_file_range', 'negative offset');
    const result = n > 0 ? spliceCopy('copy_file_range', fin, posIn, fout, posOut, Math.min(n, MAX_RW_COUNT)) : 0;
    if (result > 0) {
      if (offIn === null) yield* unlocked.write(fin, posIn, posIn + result);
      if (offOut === null) yield* unlocked.write(fout, posOut, posOut + result);
    }
    return result;
  });
}
