import { hasSyscalls } from '../../extend.js';
import type { SyscallTable, TaskPolicy } from '../../index.js';
import {
  IORING_FILE_INDEX_ALLOC, IORING_OP_CLOSE, IORING_OP_FIXED_FD_INSTALL, IORING_OP_OPENAT, IORING_REGISTER_FILE_ALLOC_RANGE, IORING_REGISTER_FILES2,
  IORING_REGISTER_FILES_UPDATE2, IORING_RSRC_REGISTER_SPARSE,
} from './constants.js';
import type { Sqe } from './ring.js';

/*
 * What io_uring of each system call table (policy `syscalls`) knows, in one place. The
 * numbering of opcodes and register commands only grows, so one the running kernel does
 * not know is at or past its IORING_OP_LAST / IORING_REGISTER_LAST, and is EINVAL where
 * those bounds are checked (io_init_req(), the top of io_uring_register()).
 */

type Policy = Pick<TaskPolicy, 'syscalls'>;

/** The table that brought an opcode, for the opcodes that came after v5.6. */
const OP_SINCE: ReadonlyMap<number, SyscallTable> = new Map([[IORING_OP_FIXED_FD_INSTALL, 'v6.9']]);

/** The table that brought a register command, for those that came after v5.5. */
const REGISTER_SINCE: ReadonlyMap<number, SyscallTable> = new Map([
  [IORING_REGISTER_FILES2, 'v5.15'],
  [IORING_REGISTER_FILES_UPDATE2, 'v5.15'],
  [IORING_REGISTER_FILE_ALLOC_RANGE, 'v6.0'],
]);

/** False for an SQE opcode the kernel's io_uring does not have yet (below IORING_OP_LAST there). */
export function opKnown(policy: Policy, opcode: number): boolean {
  const since = OP_SINCE.get(opcode);
  return since === undefined || hasSyscalls(policy, since);
}

/** False for a register command the kernel's io_uring does not have yet (below IORING_REGISTER_LAST there). */
export function registerKnown(policy: Policy, opcode: number): boolean {
  const since = REGISTER_SINCE.get(opcode);
  return since === undefined || hasSyscalls(policy, since);
}

/**
 * The io_uring_rsrc_register flags the kernel knows: IORING_RSRC_REGISTER_SPARSE from
 * v5.19 (the field was `resv` before, and any bit in it EINVAL).
 */
export function rsrcRegisterFlags(policy: Policy): number {
  return hasSyscalls(policy, 'v6.0') ? IORING_RSRC_REGISTER_SPARSE : 0;
}

/** True if FILES_UPDATE treats IORING_REGISTER_FILES_SKIP (-2) as "leave the slot" (v5.12); before, -2 is an fd and fget() fails. */
export function updateSkips(policy: Policy): boolean {
  return hasSyscalls(policy, 'v5.15');
}

/** True if `IORING_FILE_INDEX_ALLOC` asks for a free slot (v5.19); before, it is slot 2^32 - 2, past any table. */
export function fileIndexAllocates(policy: Policy, fileIndex: number | undefined): boolean {
  return fileIndex === IORING_FILE_INDEX_ALLOC && hasSyscalls(policy, 'v6.0');
}

/**
 * The SQE as the kernel's io_uring reads it: before direct descriptors (v5.15) the
 * `file_index` field was `splice_fd_in`, which the prep of OPENAT and CLOSE did not look
 * at in v5.11 ("io_uring: add ->splice_fd_in checks" came later), so an open returns a
 * normal fd and a close closes `fd`.
 */
export function sqeAsRead(policy: Policy, sqe: Sqe): Sqe {
  if (!sqe.fileIndex || hasSyscalls(policy, 'v5.15')) return sqe;
  if (sqe.opcode !== IORING_OP_OPENAT && sqe.opcode !== IORING_OP_CLOSE) return sqe;
  return { ...sqe, fileIndex: 0 };
}
