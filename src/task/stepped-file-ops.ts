import type { FileOperations } from '../file/file-operations.js';
import type { RefFile } from '../file/ref-file.js';
import type { KernelPath } from '../sim/step.js';
import type { Task } from './task.js';

/**
 * File operations whose read or write is a kernel path of the calling task, not one
 * step: a type whose `->read_iter` takes locks, sleeps on its own terms or drops
 * references as it goes. A socket is the kernel's example: sock_read_iter() is
 * sock_recvmsg() without a control buffer (the files passed with the message are
 * dropped), sock_write_iter() is sock_sendmsg() (net/socket.c).
 *
 * read(2) and write(2) call `readSteps` / `writeSteps` after fdget_pos() and the checks
 * of vfs_read() / vfs_write() (mode, count), in place of `read` / `write` and their
 * `readBlocks` / `writeBlocks`; the path records what it touches, step by step, as every
 * kernel path does. They apply to streams (no f_pos); pread(2) and pwrite(2) do not reach
 * them unless the type sets `positionalIo`. The file layer does not know tasks, so this
 * extension lives in the task layer.
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_STREAM, unixSocketOperations } from 'fdlab';
 * import type { SteppedFileOperations } from 'fdlab/extend';
 * const p = new Kernel().spawnProcess();
 * const [a, b] = Unix.socketpair(p, SOCK_STREAM);
 * p.write(a, 'hi');
 * p.read(b, 8); // 'hi': a socket's read is its recvmsg
 * const ops: SteppedFileOperations = unixSocketOperations;
 * ops.readSteps !== undefined; // true
 * ```
 */
export interface SteppedFileOperations extends FileOperations {
  /**
   * ->read_iter as a kernel path: returns the bytes read, at most `count` (which may be 0).
   * `iocb` is absent for read(2) (position 0, may block); io_uring passes its own.
   */
  readSteps?(t: Task, file: RefFile, count: number, iocb?: Kiocb): KernelPath<string>;
  /** ->write_iter as a kernel path: returns the number of bytes written; `iocb` as for `readSteps`. */
  writeSteps?(t: Task, file: RefFile, data: string, iocb?: Kiocb): KernelPath<number>;
}

/**
 * What a `struct kiocb` tells a stream's `->read_iter` / `->write_iter` beyond the data:
 * `ki_pos` (0 from read(2) and write(2), whatever io_uring's SQE said otherwise: a
 * socket answers a non-zero one ESPIPE) and IOCB_NOWAIT (io_uring's first, non-blocking
 * attempt: the type answers EAGAIN instead of sleeping, and changes nothing).
 *
 * @example
 * ```ts
 * import type { Kiocb } from 'fdlab/extend';
 * const firstTry: Kiocb = { pos: 0, nowait: true };
 * ```
 */
export interface Kiocb {
  /** ki_pos. */
  readonly pos: number;
  /** IOCB_NOWAIT. */
  readonly nowait: boolean;
}

/** The file's operations as the task layer sees them. @internal */
export function steppedOps(f: RefFile): SteppedFileOperations {
  return f.ops;
}
