/** Parsed command line: positional words and `--flag value` / `--flag` options. */
export interface Args {
  readonly words: string[];
  readonly opts: Map<string, string | true>;
}

const BOOLEAN = new Set(['json', 'help']);

/** A usage error: the CLI prints it and exits with status 2. */
export class UsageError extends Error {}

/** Splits argv into words and options; `--x=v` and `--x v` both work. */
export function parseArgs(argv: readonly string[]): Args {
  const words: string[] = [];
  const opts = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      words.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (eq > 0) opts.set(name, a.slice(eq + 1));
    else if (BOOLEAN.has(name)) opts.set(name, true);
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      opts.set(name, v);
      i++;
    }
  }
  return { words, opts };
}

/** The string value of an option, or undefined. */
export function str(args: Args, name: string): string | undefined {
  const v = args.opts.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

/** A non-negative integer option. */
export function int(args: Args, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/** Rejects options the command does not know. */
export function only(args: Args, allowed: readonly string[]): void {
  for (const k of args.opts.keys()) if (!allowed.includes(k)) throw new UsageError(`unknown option --${k}`);
}
