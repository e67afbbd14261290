/**
 * Resolves a policy from defaults, named presets and overrides: `input` may be a preset
 * name, a partial object, or a list of those applied left to right.
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
  for (const part of parts as Array<string | Partial<P>>) {
    if (typeof part === 'string') {
      const preset = presets[part];
      if (preset === undefined) throw new RangeError(`unknown policy preset '${part}' (known: ${Object.keys(presets).join(', ')})`);
      Object.assign(out, preset);
    } else {
      for (const k of Object.keys(part) as Array<keyof P>) {
        if (!(k in defaults)) throw new RangeError(`unknown policy key '${String(k)}'`);
        const v = part[k];
        if (v !== undefined) out[k] = v as P[keyof P];
      }
    }
  }
  return out;
}
