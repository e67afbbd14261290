import { writeFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { exploreCommand, list, replayCommand, type CommandResult } from './commands.js';
import { parseArgs, UsageError } from './args.js';
import { mergeCommand, shardCommand, workerMain, workersCommand, type ShardJob } from './parallel.js';

const USAGE = `usage:
  fdlab list [--json]
  fdlab explore <scenario> [--policy before|after|<preset>|key=value,...] [--strategy dpor|dfs|random|pct]
                [--max-runs N] [--seed N] [--preemption-bound N] [--json] [--render text|mermaid|dot|json|html --out FILE]
                [--workers N | --shard INDEX/COUNT]
  fdlab merge <shard.json>... [--json]
  fdlab replay <scenario> <schedule> [--policy ...] [--json] [--render text|mermaid|dot|json|html --out FILE]
exit status: 0 clean, 1 violations found, 2 bad usage`;

/** Runs the command line; returns the exit status. The only Node-specific code of fdlab. */
export async function main(argv: readonly string[]): Promise<number> {
  let result: CommandResult;
  try {
    const args = parseArgs(argv);
    const cmd = args.words[0];
    if (args.opts.has('help') || cmd === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (cmd === undefined) throw new UsageError('missing command');
    const progress = process.stderr.isTTY ? (line: string) => process.stderr.write(`\r${line}\x1b[K`) : undefined;
    if (cmd === 'list') result = list(args);
    else if (cmd === 'explore' && args.opts.has('workers')) result = await workersCommand(args, new URL(import.meta.url));
    else if (cmd === 'explore' && args.opts.has('shard')) result = shardCommand(args);
    else if (cmd === 'explore') result = exploreCommand(args, progress);
    else if (cmd === 'merge') result = mergeCommand(args);
    else if (cmd === 'replay') result = replayCommand(args);
    else throw new UsageError(`unknown command '${cmd}'`);
    if (progress) process.stderr.write('\r\x1b[K');
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`fdlab: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  for (const [path, content] of result.files) {
    try {
      writeFileSync(path, content);
    } catch (e) {
      process.stderr.write(`fdlab: cannot write ${path}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
  }
  process.stdout.write(result.stdout);
  return result.status;
}

if (isMainThread) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
} else {
  // A worker thread of `explore --workers`: run one shard and post it back.
  workerMain(workerData as ShardJob, (r) => parentPort!.postMessage(r));
}
