/**
 * An ordered list of callbacks a higher layer registers so a lower layer can call up
 * without importing it (e.g. `__fput` calling eventpoll_release_file()).
 *
 * @example
 * ```ts
 * import { HookList } from 'fdlab';
 * const h = new HookList<(n: number) => void>();
 * const off = h.add((n) => console.log(n));
 * for (const f of h.list) f(1);
 * off();
 * ```
 */
export class HookList<F> {
  /** The registered callbacks, in registration order. */
  readonly list: F[] = [];

  /** Registers `f`; returns a function that unregisters it. */
  add(f: F): () => void {
    this.list.push(f);
    return () => {
      const i = this.list.indexOf(f);
      if (i >= 0) this.list.splice(i, 1);
    };
  }
}
