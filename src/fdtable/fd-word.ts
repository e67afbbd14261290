/*
 * struct fd packed into one number, as include/linux/file.h packs it into an unsigned
 * long: the file's object id times 4, plus FDPUT_FPUT (we own a reference) and
 * FDPUT_POS_UNLOCK (we hold f_pos_lock). 0 is EMPTY_FD. No object is allocated.
 */

/** fdput() must fput(): fdget took a reference (a "cloned" struct fd). @example `(w & FDPUT_FPUT) !== 0` */
export const FDPUT_FPUT = 1;
/** fdput_pos() must unlock f_pos_lock. @example `(w & FDPUT_POS_UNLOCK) !== 0` */
export const FDPUT_POS_UNLOCK = 2;
/** The empty struct fd (no file). @example `w === EMPTY_FD` */
export const EMPTY_FD = 0;

/**
 * The object id of the file in a packed struct fd (fd_file()); resolve it with
 * `Fdtable.fileOfWord()` or `Kernel.fdFile()`.
 *
 * @example
 * ```ts
 * import { fdWordId } from 'fdlab';
 * fdWordId(13); // 3
 * ```
 */
export function fdWordId(w: number): number {
  return Math.floor(w / 4);
}
