import { parseArgs as nodeParseArgs } from 'node:util';

/** Parsed command line: positional words and the options the command declared. */
export interface Args {
  readonly words: string[];
  readonly opts: Readonly<Record<string, string | boolean | undefined>>;
}

/** How a command's options look to `util.parseArgs`. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** A usage error: the CLI prints it with a hint and exits with status 2. */
export class UsageError extends Error {}

/** A run-time error (bad schedule, a scenario module that throws, an unwritable file): exit status 3. */
export class RunError extends Error {}

/**
 * Strict parsing through Node's own parser: unknown options, a missing value and a value
 * given to a boolean are usage errors. `--x=v` and `--x v` both work.
 */
export function parseArgs(argv: readonly string[], options: OptionSpec): Args {
  try {
    const r = nodeParseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { words: r.positionals, opts: r.values as Args['opts'] };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
    throw e;
  }
}

/** The string value of an option, or undefined. */
export function str(args: Args, name: string): string | undefined {
  const v = args.opts[name];
  return typeof v === 'string' ? v : undefined;
}

/** True if a boolean option was given. */
export function flag(args: Args, name: string): boolean {
  return args.opts[name] === true;
}

/** A non-negative integer option. */
export function int(args: Args, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/** Rejects positional words beyond the `count` a command takes. */
export function maxWords(args: Args, count: number): void {
  const extra = args.words[count];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
}
