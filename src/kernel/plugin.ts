import type { Kernel } from './kernel.js';

/**
 * A plugin: something that installs itself on a kernel (registers hooks and owner
 * sources) and returns an API bound to that kernel. `fdlab/pidfd` is one; tools can
 * write their own against the same public API.
 *
 * @example
 * ```ts
 * import { Kernel, type Plugin } from 'fdlab';
 * const counter: Plugin<{ opens: () => number }> = {
 *   name: 'counter',
 *   install: (k) => ({ opens: () => k.slab.allocated }),
 * };
 * new Kernel().use(counter).opens(); // 0
 * ```
 */
export interface Plugin<Api> {
  /** Unique name; installing twice returns the first API. */
  readonly name: string;
  /** Installs the plugin on `kernel`, returning its API. */
  install(kernel: Kernel): Api;
}
