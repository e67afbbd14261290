import { ModelError } from './model-error.js';
import { describeValue, hasOwnKey } from './validate.js';

/**
 * Resolves a policy from defaults, named presets and overrides: `input` may be a preset
 * name, a partial object, or a list of those applied left to right.
 *
 * Throws ModelError `bad-option` for an unknown preset or key (own names only: not
 * `toString`) and for anything that is not a string, an object or a list.
 *
 * Policies are how fdlab models kernel history: each key is a behaviour that changed
 * between kernel versions, each value names the change.
 *
 * @example
 * ```ts
 * import { resolvePolicy } from 'fdlab';
 * const p = resolvePolicy({ a: 1, b: 2 }, { old: { a: 0 } }, ['old', { b: 3 }]);
 * // { a: 0, b: 3 }
 * ```
 */
export function resolvePolicy<P extends object>(
  defaults: P,
  presets: Readonly<Record<string, Partial<P>>>,
  input?: string | Partial<P> | ReadonlyArray<string | Partial<P>>,
): P {
  const out = { ...defaults };
  const parts = input === undefined ? [] : Array.isArray(input) ? input : [input];
  for (const part of parts as unknown[]) {
    if (typeof part === 'string') {
      // Own keys only: 'toString' or 'constructor' is not a preset.
      if (!hasOwnKey(presets, part)) throw new ModelError('bad-option', `unknown policy preset ${JSON.stringify(part)} (known: ${Object.keys(presets).join(', ')})`);
      Object.assign(out, presets[part]);
    } else {
      if (typeof part !== 'object' || part === null || Array.isArray(part)) {
        throw new ModelError('bad-option', `a policy is a preset name, an object of switches or a list of those, got ${describeValue(part)}`);
      }
      for (const k of Object.keys(part) as Array<keyof P>) {
        if (!hasOwnKey(defaults, k)) throw new ModelError('bad-option', `unknown policy key ${JSON.stringify(k)} (known: ${Object.keys(defaults).join(', ')})`);
        const v = (part as Partial<P>)[k];
        if (v !== undefined) out[k] = v as P[keyof P];
      }
    }
  }
  return out;
}
