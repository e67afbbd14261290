/*
 * io_uring uapi values (include/uapi/linux/io_uring.h) for the ops and registration
 * opcodes the plugin models. Checked against the host's header and a v6.18 kernel.
 */

/**
 * IORING_OP_NOP: completes with 0.
 *
 * @example
 * ```ts
 * import { IORING_OP_NOP } from 'fdlab/io-uring'; // 0
 * ```
 */
export const IORING_OP_NOP = 0;
/**
 * IORING_OP_POLL_ADD: completes when the file's ->poll reports one of `pollEvents`.
 *
 * @example
 * ```ts
 * import { IORING_OP_POLL_ADD } from 'fdlab/io-uring'; // 6
 * ```
 */
export const IORING_OP_POLL_ADD = 6;
/**
 * IORING_OP_OPENAT: open(2), into a fixed slot when `fileIndex` is set.
 *
 * @example
 * ```ts
 * import { IORING_OP_OPENAT } from 'fdlab/io-uring'; // 18
 * ```
 */
export const IORING_OP_OPENAT = 18;
/**
 * IORING_OP_CLOSE: close an fd, or a fixed slot with `fileIndex`.
 *
 * @example
 * ```ts
 * import { IORING_OP_CLOSE } from 'fdlab/io-uring'; // 19
 * ```
 */
export const IORING_OP_CLOSE = 19;
/**
 * IORING_OP_READ: read(2) / pread(2); offset -1 uses and advances f_pos.
 *
 * @example
 * ```ts
 * import { IORING_OP_READ } from 'fdlab/io-uring'; // 22
 * ```
 */
export const IORING_OP_READ = 22;
/**
 * IORING_OP_WRITE: write(2) / pwrite(2); offset -1 uses and advances f_pos.
 *
 * @example
 * ```ts
 * import { IORING_OP_WRITE } from 'fdlab/io-uring'; // 23
 * ```
 */
export const IORING_OP_WRITE = 23;
/**
 * IORING_OP_FIXED_FD_INSTALL (v6.8, dc18b89ab113): install a fixed file as a regular fd.
 *
 * @example
 * ```ts
 * import { IORING_OP_FIXED_FD_INSTALL } from 'fdlab/io-uring'; // 54
 * ```
 */
export const IORING_OP_FIXED_FD_INSTALL = 54;
/**
 * IORING_OP_GETDENTS: the getdents request proposed in 2021–2023 and **never merged**
 * (absent from `enum io_uring_op` through v6.19-rc). The value is the model's own (no
 * kernel assigns it); the op exists so seed 000's f_pos_lock question can be explored
 * under the `uringPosLock` policy.
 *
 * @example
 * ```ts
 * import { IORING_OP_GETDENTS } from 'fdlab/io-uring'; // 255, model only
 * ```
 */
export const IORING_OP_GETDENTS = 255;

/**
 * IOSQE_FIXED_FILE: `fd` is a slot of the ring's fixed file table.
 *
 * @example
 * ```ts
 * import { IOSQE_FIXED_FILE } from 'fdlab/io-uring'; // 1
 * ```
 */
export const IOSQE_FIXED_FILE = 1 << 0;
/**
 * IOSQE_ASYNC: issue the request from an io-wq worker rather than inline.
 *
 * @example
 * ```ts
 * import { IOSQE_ASYNC } from 'fdlab/io-uring'; // 16
 * ```
 */
export const IOSQE_ASYNC = 1 << 4;

/**
 * IORING_REGISTER_FILES: register an fd array (-1 = empty slot).
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILES } from 'fdlab/io-uring'; // 2
 * ```
 */
export const IORING_REGISTER_FILES = 2;
/**
 * IORING_UNREGISTER_FILES.
 *
 * @example
 * ```ts
 * import { IORING_UNREGISTER_FILES } from 'fdlab/io-uring'; // 3
 * ```
 */
export const IORING_UNREGISTER_FILES = 3;
/**
 * IORING_REGISTER_FILES_UPDATE: `{ offset, data }`, nr_args entries (-2 skips a slot).
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILES_UPDATE } from 'fdlab/io-uring'; // 6
 * ```
 */
export const IORING_REGISTER_FILES_UPDATE = 6;
/**
 * IORING_REGISTER_FILES2: `struct io_uring_rsrc_register`, nr_args = its size (32).
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILES2 } from 'fdlab/io-uring'; // 13
 * ```
 */
export const IORING_REGISTER_FILES2 = 13;
/**
 * IORING_REGISTER_FILES_UPDATE2: `struct io_uring_rsrc_update2`, nr_args = its size (32).
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILES_UPDATE2 } from 'fdlab/io-uring'; // 14
 * ```
 */
export const IORING_REGISTER_FILES_UPDATE2 = 14;
/**
 * IORING_REGISTER_FILE_ALLOC_RANGE: `{ off, len }`, nr_args 0.
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILE_ALLOC_RANGE } from 'fdlab/io-uring'; // 25
 * ```
 */
export const IORING_REGISTER_FILE_ALLOC_RANGE = 25;
/**
 * IORING_REGISTER_LAST in v6.18: opcodes from here on are EINVAL before the fd is looked at.
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_LAST } from 'fdlab/io-uring';
 * ```
 */
export const IORING_REGISTER_LAST = 36;

/**
 * IORING_RSRC_REGISTER_SPARSE: FILES2 with no data registers `nr` empty slots.
 *
 * @example
 * ```ts
 * import { IORING_RSRC_REGISTER_SPARSE } from 'fdlab/io-uring'; // 1
 * ```
 */
export const IORING_RSRC_REGISTER_SPARSE = 1 << 0;
/**
 * IORING_REGISTER_FILES_SKIP: an update entry that leaves its slot alone.
 *
 * @example
 * ```ts
 * import { IORING_REGISTER_FILES_SKIP } from 'fdlab/io-uring'; // -2
 * ```
 */
export const IORING_REGISTER_FILES_SKIP = -2;
/**
 * IORING_FILE_INDEX_ALLOC (`~0U`): let the kernel pick a free slot in the allocation range.
 *
 * @example
 * ```ts
 * import { IORING_FILE_INDEX_ALLOC } from 'fdlab/io-uring'; // 0xffffffff
 * ```
 */
export const IORING_FILE_INDEX_ALLOC = 0xffffffff;
/**
 * IORING_FIXED_FD_NO_CLOEXEC: FIXED_FD_INSTALL without O_CLOEXEC.
 *
 * @example
 * ```ts
 * import { IORING_FIXED_FD_NO_CLOEXEC } from 'fdlab/io-uring'; // 1
 * ```
 */
export const IORING_FIXED_FD_NO_CLOEXEC = 1 << 0;
/**
 * IORING_ENTER_GETEVENTS: wait for `minComplete` completions.
 *
 * @example
 * ```ts
 * import { IORING_ENTER_GETEVENTS } from 'fdlab/io-uring'; // 1
 * ```
 */
export const IORING_ENTER_GETEVENTS = 1 << 0;

/**
 * IORING_MAX_FIXED_FILES: 1 << 20 since the table is vmalloc-backed (was 1024 in v5.1, then 1 << 15).
 *
 * @example
 * ```ts
 * import { IORING_MAX_FIXED_FILES } from 'fdlab/io-uring';
 * ```
 */
export const IORING_MAX_FIXED_FILES = 1 << 20;
/**
 * IORING_MAX_ENTRIES: the largest SQ size io_uring_setup() accepts.
 *
 * @example
 * ```ts
 * import { IORING_MAX_ENTRIES } from 'fdlab/io-uring'; // 32768
 * ```
 */
export const IORING_MAX_ENTRIES = 32768;
/**
 * SCM_MAX_FD: files per SCM_RIGHTS skb, so per `ring_sock` skb in the SCM designs.
 *
 * @example
 * ```ts
 * import { SCM_MAX_FD } from 'fdlab/io-uring'; // 253
 * ```
 */
export const SCM_MAX_FD = 253;
/**
 * sizeof(struct io_uring_rsrc_register) and sizeof(struct io_uring_rsrc_update2): the nr_args FILES2 and UPDATE2 require.
 *
 * @example
 * ```ts
 * import { RSRC_STRUCT_SIZE } from 'fdlab/io-uring'; // 32
 * ```
 */
export const RSRC_STRUCT_SIZE = 32;
