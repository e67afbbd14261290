/** Thread masks are 31-bit integers: at most this many threads. @internal */
export const MAX_THREADS = 31;

/** The mask of thread `t`. @internal */
export const bit = (t: number): number => 1 << t;

/** The lowest thread in a non-empty mask. @internal */
export function lowest(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/** Threads in a mask. @internal */
export function popcount(m: number): number {
  let n = 0;
  while (m !== 0) {
    m &= m - 1;
    n++;
  }
  return n;
}
