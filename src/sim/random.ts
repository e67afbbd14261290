/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same
 * sequence in Node and in a browser.
 *
 * @example
 * ```ts
 * import { Random } from 'fdlab';
 * const r = new Random(42);
 * r.below(6); // a die roll, the same one every time for seed 42
 * ```
 */
export class Random {
  private s: number;

  /** @param seed - any integer */
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}
