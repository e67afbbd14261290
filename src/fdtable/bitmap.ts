/*
 * Word-level bitmaps over 32-bit words held as signed int32 numbers in plain arrays (V8
 * keeps them as small integers; typed arrays cost an ArrayBuffer per table, which
 * dominated the setup of short explored runs), as the kernel's open_fds / close_on_exec /
 * full_fds_bits over unsigned longs: finding the lowest free fd skips whole full words
 * through full_fds_bits, so allocation stays O(1) amortised with a million fds open.
 */

/** A bitmap: int32 words. @internal */
export type Bitmap = number[];

/** A zeroed bitmap of `words` words. @internal */
export function newBitmap(words: number): Bitmap {
  // A default table's bitmaps (64 fds: two words, and one of full_fds_bits) as literals:
  // packed from the start, and made for every process of every explored run.
  if (words === 1) return [0];
  if (words === 2) return [0, 0];
  const b = new Array<number>(words);
  for (let i = 0; i < words; i++) b[i] = 0;
  return b;
}

/** Bits per bitmap word. @internal */
export const WORD = 32;

/** @internal */
export function testBit(map: Bitmap, bit: number): boolean {
  return ((map[bit >>> 5]! >>> (bit & 31)) & 1) === 1;
}

/** @internal */
export function setBit(map: Bitmap, bit: number): void {
  map[bit >>> 5] = map[bit >>> 5]! | (1 << (bit & 31));
}

/** @internal */
export function clearBit(map: Bitmap, bit: number): void {
  map[bit >>> 5] = map[bit >>> 5]! & ~(1 << (bit & 31));
}

/** Index of the lowest zero bit in `w` (w !== 0xffffffff). @internal */
export function lowestZero(w: number): number {
  const inv = ~w >>> 0;
  return 31 - Math.clz32(inv & -inv);
}

/**
 * find_next_fd(): the lowest clear bit of `open` at or after `start`, or `max` if none.
 * `full` has one bit per word of `open` that is entirely set.
 * @internal
 */
export function findNextZero(open: Bitmap, full: Bitmap, start: number, max: number): number {
  if (start >= max) return max;
  let word = start >>> 5;
  // Fast path: the word `start` is in, masking the bits below start.
  const first = open[word]! | ((1 << (start & 31)) - 1);
  if (first !== -1) {
    const bit = (word << 5) + lowestZero(first >>> 0);
    return bit < max ? bit : max;
  }
  word++;
  const words = max >>> 5;
  // Skip full words 32 at a time through full_fds_bits.
  while (word < words) {
    const fw = full[word >>> 5]! | ((1 << (word & 31)) - 1);
    if (fw === -1) {
      word = ((word >>> 5) + 1) << 5;
      continue;
    }
    word = ((word >>> 5) << 5) + lowestZero(fw >>> 0);
    if (word >= words) break;
    const bit = (word << 5) + lowestZero(open[word]! >>> 0);
    return bit < max ? bit : max;
  }
  return max;
}
