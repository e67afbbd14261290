import { ModelError } from './model-error.js';

/*
 * The input checks of every public entry point, in one place. The rule they implement:
 *
 * - a JavaScript value that no C caller could pass at all (a bigint, a Symbol, a string
 *   where a number goes, null for a required argument, an object of another Kernel) is
 *   misuse of the model: ModelError;
 * - a number that is not a valid value of the C argument (negative, fractional, NaN,
 *   infinite, beyond the C type) gets the errno the kernel gives for an invalid value of
 *   that argument (EBADF for an fd, EINVAL for flags): KernelError, thrown by the
 *   syscall itself. The kernel truncates a 64-bit register to a 32-bit `int`, so a raw
 *   syscall with flags 2^32 + 1 means flags 1; the model refuses such values instead
 *   (EINVAL), because no libc prototype lets C code pass them and truncating would hide a
 *   caller's bug.
 */

/**
 * A printable form of any value, for error messages: never throws (a template literal
 * throws a TypeError on a Symbol, and an object's own toString may throw).
 *
 * @example
 * ```ts
 * import { describeValue } from 'fdlab';
 * describeValue(Symbol('x')); // 'Symbol(x)'
 * describeValue(2n ** 64n);   // '18446744073709551616n'
 * ```
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v.toString()}n`;
    case 'symbol':
      return v.toString();
    case 'function':
      return `function ${v.name || '(anonymous)'}`;
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return `array(${v.length})`;
      try {
        const name = Object.getPrototypeOf(v)?.constructor?.name;
        return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
      } catch {
        return 'an object';
      }
    default:
      return String(v);
  }
}

/**
 * Throws ModelError `bad-argument` unless every value is a JavaScript number (any number:
 * whether it is a valid C value is the kernel's question, answered with an errno).
 *
 * @param fn - the call, for the message
 * @param args - pairs of argument name and value
 * @example
 * ```ts
 * import { checkNumbers } from 'fdlab';
 * checkNumbers('close', 'fd', 3); // fine
 * checkNumbers('close', 'fd', 3n); // throws ModelError bad-argument
 * ```
 */
export function checkNumbers(fn: string, ...args: unknown[]): void {
  for (let i = 0; i < args.length; i += 2) {
    const v = args[i + 1];
    if (typeof v !== 'number') throw new ModelError('bad-argument', `${fn}: ${String(args[i])} must be a number, got ${describeValue(v)}`);
  }
}

/**
 * Throws ModelError `bad-argument` unless `v` is a string.
 *
 * @example
 * ```ts
 * import { checkString } from 'fdlab';
 * checkString('open', 'path', '/data/log'); // fine
 * ```
 */
export function checkString(fn: string, name: string, v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new ModelError('bad-argument', `${fn}: ${name} must be a string, got ${describeValue(v)}`);
}

/**
 * True if `v` is a value of a C flags word (an integer in [0, 2^32)) with no bit outside
 * `known`. Unlike `(v & ~known) === 0`, bits above 31 are not silently dropped.
 *
 * @example
 * ```ts
 * import { flagsWithin } from 'fdlab';
 * flagsWithin(0o2000000, 0o2000000);         // true
 * flagsWithin(2 ** 32 + 0o2000000, 0o2000000); // false: not a 32-bit value
 * ```
 */
export function flagsWithin(v: number, known: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff && ((v & ~known) >>> 0) === 0;
}

/**
 * True if `obj` has `key` as its own property (so `'toString'` is not a preset name and
 * not a policy key).
 *
 * @example
 * ```ts
 * import { hasOwnKey } from 'fdlab';
 * hasOwnKey({ a: 1 }, 'a');        // true
 * hasOwnKey({ a: 1 }, 'toString'); // false
 * ```
 */
export function hasOwnKey(obj: object, key: PropertyKey): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Checks an options argument: undefined, or a plain object whose own keys are all in
 * `known`. Throws ModelError `bad-option` otherwise. With `into`, copies the own keys
 * there as it goes (a fresh object the caller then reads: see checkExploreOptions).
 *
 * @param what - the options' name for the message, e.g. `'explore options'`
 * @example
 * ```ts
 * import { checkOptions } from 'fdlab';
 * checkOptions('kernel options', { trace: false }, ['trace', 'policy']); // fine
 * checkOptions('kernel options', 42, ['trace']); // throws ModelError bad-option
 * ```
 */
export function checkOptions(what: string, opts: unknown, known: readonly string[], into?: Record<string, unknown>): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new ModelError('bad-option', `${what} must be an object, got ${describeValue(opts)}`);
  // for-in with an own-key test: no array per call (a kernel is built for every explored run).
  for (const k in opts) {
    if (!hasOwnKey(opts, k)) continue;
    if (!known.includes(k)) throw new ModelError('bad-option', `unknown ${what} key ${JSON.stringify(k)} (known: ${known.join(', ')})`);
    if (into !== undefined) into[k] = (opts as Record<string, unknown>)[k];
  }
}

/**
 * Checks an integer option: undefined, or an integer in [min, max]. Throws ModelError
 * `bad-option` otherwise (NaN, fractions, infinities, bigints, strings).
 *
 * @example
 * ```ts
 * import { checkIntOption } from 'fdlab';
 * checkIntOption('maxRuns', 10, 1, Number.MAX_SAFE_INTEGER); // fine
 * checkIntOption('maxRuns', 0, 1, Number.MAX_SAFE_INTEGER);  // throws ModelError bad-option
 * ```
 */
export function checkIntOption(name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ModelError('bad-option', `${name} must be an integer from ${min} to ${max}, got ${describeValue(v)}`);
  }
}

/**
 * Checks an option that is undefined or a boolean; throws ModelError `bad-option`.
 *
 * @example
 * ```ts
 * import { checkBoolOption } from 'fdlab';
 * checkBoolOption('trace', false); // fine
 * ```
 */
export function checkBoolOption(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') throw new ModelError('bad-option', `${name} must be true or false, got ${describeValue(v)}`);
}

/**
 * Throws ModelError `foreign-object` unless `obj` is an object whose `world` is `world`
 * (a Process or Task made by another Kernel would mix two worlds that share no state), and
 * `bad-argument` if it is not an object at all.
 *
 * @example
 * ```ts
 * import { Kernel, checkSameWorld } from 'fdlab';
 * const k = new Kernel();
 * checkSameWorld(k, k.spawnProcess(), 'process'); // fine
 * checkSameWorld(k, new Kernel().spawnProcess(), 'process'); // throws ModelError foreign-object
 * ```
 */
export function checkSameWorld(world: object, obj: unknown, what: string): void {
  if (typeof obj !== 'object' || obj === null) throw new ModelError('bad-argument', `${what} must be an object, got ${describeValue(obj)}`);
  if ((obj as { world?: unknown }).world !== world) throw new ModelError('foreign-object', `${what} belongs to another Kernel`);
}
