import { parseArgs, RunError, UsageError } from './args.js';
import { exploreCommand, list, replayCommand, type CommandResult } from './commands.js';
import { bisectCommand } from './bisect.js';
import { loadScenario } from './load.js';
import { COMMANDS } from './options.js';
import { mergeCommand, shardCommand, workersCommand } from './parallel.js';

const USAGE = `usage:
  fdlab list [--json]
  fdlab explore <scenario> [--policy P] [--strategy dpor|dfs|random|pct] [--max-runs N] [--max-time MS]
                [--seed N] [--preemption-bound N] [--json] [--render R [--out FILE]]
                [--workers N | --shard INDEX/COUNT]
  fdlab merge <shard.json>... [--json]
                (the parts of a search made with --shard, on any machines, merged)
  fdlab replay <scenario> <schedule> [--policy P] [--json] [--render R [--out FILE]]
  fdlab bisect <scenario> [--with key=value,...] [--strategy S] [--max-runs N] [--max-time MS] [--json]
                (the scenario under every kernel version, linux-3.14 to current: where a race
                existed and the change that introduced and fixed it)

<scenario>  a shipped scenario (fdlab list) or a module of yours: ./file.js or ./file.js#exportName
            (ESM or CJS; .ts when node runs with a TypeScript loader, e.g. node --import tsx)
P           before, after, a preset (linux-3.14 ... linux-6.15, current) or key=value, comma-separated
R           text, mermaid, dot, json, html, svg; without --out the picture goes to stdout, the report to stderr

exit status: 0 clean in every interleaving (bisect: in every version), 1 violation found, 2 bad usage, 3 run-time error
             (bad schedule, failing scenario module, unwritable --out), 4 no violation found but the
             search was not exhaustive (--max-runs, --max-time, random or pct)`;

const HINT = 'see `fdlab --help`';

/** Where the CLI writes: injectable so the progress line and output can be tested. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** True if stderr is a terminal: then a progress line is drawn during long searches. */
  readonly tty: boolean;
  readonly writeFile: (path: string, content: string) => void;
  /** The CLI entry module, which `explore --workers` starts in worker threads. */
  readonly workerUrl?: URL;
}

async function run(argv: readonly string[], io: CliIo): Promise<CommandResult | 'help'> {
  const cmd = argv[0];
  if (cmd === undefined) throw new UsageError('missing command (list, explore, replay, bisect, merge)');
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') return 'help';
  if (!Object.hasOwn(COMMANDS, cmd)) throw new UsageError(`unknown command '${cmd}' (list, explore, replay, bisect, merge)`);
  const args = parseArgs(argv.slice(1), COMMANDS[cmd]!);
  if (args.opts['help'] === true) return 'help';
  const progress = io.tty ? (line: string) => io.stderr(`\r${line}\x1b[K`) : undefined;
  if (cmd === 'list') return list(args);
  if (cmd === 'merge') return mergeCommand(args);
  const s = await loadScenario(args.words[0]);
  try {
    if (cmd === 'explore' && args.opts['workers'] !== undefined) return await workersCommand(args, s, io.workerUrl);
    if (cmd === 'explore' && args.opts['shard'] !== undefined) return shardCommand(args, s);
    if (cmd === 'explore') return exploreCommand(args, s, progress);
    if (cmd === 'bisect') return bisectCommand(args, s, progress);
    return replayCommand(args, s);
  } finally {
    if (progress) io.stderr('\r\x1b[K');
  }
}

/**
 * Runs the command line and returns the exit status: 0 clean, 1 violation, 2 bad usage,
 * 3 run-time error, 4 nothing found by a search that was not exhaustive. The only
 * Node-specific code of fdlab.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let result: CommandResult | 'help';
  try {
    result = await run(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`fdlab: ${e.message}\n${HINT}\n`);
      return 2;
    }
    if (e instanceof RunError) {
      io.stderr(`fdlab: ${e.message}\n`);
      return 3;
    }
    io.stderr(`fdlab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
  }
  if (result === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  // The result is printed even when a file cannot be written: the search is not lost.
  io.stdout(result.stdout);
  if (result.stderr !== undefined) io.stderr(result.stderr);
  for (const [path, content] of result.files) {
    try {
      io.writeFile(path, content);
    } catch (e) {
      io.stderr(`fdlab: cannot write ${path}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 3;
    }
  }
  return result.status;
}
