import { readFileSync } from 'node:fs';
import { exploreShard, mergeResults, ModelError, type ExploreOptions, type MergedResult, type Scenario, type ShardResult } from '../index.js';
import { flag, int, maxWords, RunError, str, UsageError, type Args } from './args.js';
import { type CommandResult, searchOptions } from './commands.js';
import { loadScenario } from './load.js';
import { WORKER_ARG } from './options.js';
import { parsePolicy } from './policy-arg.js';
import { runShardPool, servePool, SHARDS_PER_WORKER } from './shard-pool.js';

/*
 * Sharded exploration from the command line: `--shard i/n` runs one part and prints it
 * as JSON (for a CI matrix or a Kubernetes indexed Job), `--workers N` runs N parts in
 * worker threads and merges them, `fdlab merge` merges part files made elsewhere.
 */


/** What a worker thread needs: plain data only (the scenario is loaded again in the worker). */
export interface ShardJob {
  readonly word: string;
  readonly cwd: string;
  readonly options: ExploreOptions;
  /** Shards in all; the pool hands out their indices. */
  readonly count: number;
}

/** The explore options of the command line as plain data a worker can receive. */
function jobOptions(args: Args, s: Scenario<unknown>): ExploreOptions {
  const text = str(args, 'policy');
  return { ...searchOptions(args, undefined), ...(text !== undefined ? { policy: parsePolicy(text, s) } : {}) };
}

function runShard(s: Scenario<unknown>, options: ExploreOptions, index: number, count: number): ShardResult {
  try {
    return exploreShard(s, options, index, count);
  } catch (e) {
    if (ModelError.is(e) || e instanceof RangeError) throw new UsageError(e.message);
    throw new RunError(`exploring ${s.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkExclusive(args: Args): void {
  if (str(args, 'render') !== undefined || str(args, 'out') !== undefined) throw new UsageError('--render does not combine with --workers or --shard: replay the minimal schedule instead');
  if (str(args, 'workers') !== undefined && str(args, 'shard') !== undefined) throw new UsageError('--workers and --shard do not combine');
}

/** `fdlab explore <scenario> --shard i/n`: one part, as JSON. */
export function shardCommand(args: Args, s: Scenario<unknown>): CommandResult {
  maxWords(args, 1);
  checkExclusive(args);
  const m = /^(\d+)\/(\d+)$/.exec(str(args, 'shard') ?? '');
  if (m === null) throw new UsageError('--shard needs INDEX/COUNT, e.g. 0/4');
  const r = runShard(s, jobOptions(args, s), Number(m[1]), Number(m[2]));
  return { stdout: `${JSON.stringify(r)}\n`, files: [], status: r.violations.length > 0 ? 1 : 0 };
}

/** `fdlab explore <scenario> --workers N`: N shards in worker threads, merged. */
export async function workersCommand(args: Args, s: Scenario<unknown>, workerUrl: URL | undefined): Promise<CommandResult> {
  maxWords(args, 1);
  checkExclusive(args);
  // Loaded here rather than at the top: only this command needs them (CLI start-up time).
  const [{ availableParallelism }, { Worker }] = await Promise.all([import('node:os'), import('node:worker_threads')]);
  const n = int(args, 'workers');
  const max = 4 * availableParallelism();
  if (n === undefined || n < 1 || n > max) throw new UsageError(`--workers needs a count from 1 to ${max}`);
  const options = jobOptions(args, s);
  if (n === 1) return formatMerged(mergeResults([runShard(s, options, 0, 1)]), flag(args, 'json'));
  if (workerUrl === undefined) throw new UsageError('--workers needs the CLI entry point (run the fdlab command)');
  const word = args.words[0]!;
  const count = n * SHARDS_PER_WORKER;
  const job: ShardJob = { word, cwd: process.cwd(), options, count };
  // An eval'd bootstrap that imports the CLI entry. Run from source (a .ts URL), it first
  // registers tsx in the worker: loader hooks are per thread.
  const href = JSON.stringify(workerUrl.href);
  const boot = workerUrl.pathname.endsWith('.ts') ? `import('tsx/esm/api').then((m) => m.register()).then(() => import(${href}))` : `import(${href})`;
  const workers = Array.from({ length: n }, () => new Worker(boot, { eval: true, workerData: job, execArgv: process.execArgv, argv: [WORKER_ARG] }));
  try {
    return formatMerged(mergeResults(await runShardPool(workers, count)), flag(args, 'json'));
  } catch (e) {
    throw new RunError(`worker: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The worker thread's side: load the scenario, then run every shard the pool hands it. */
export async function workerMain(job: ShardJob, port: Parameters<typeof servePool>[0]): Promise<void> {
  let s: Scenario<unknown>;
  try {
    s = await loadScenario(job.word, job.cwd);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    servePool(port, () => {
      throw new Error(error);
    });
    return;
  }
  servePool(port, (index) => exploreShard(s, job.options, index, job.count));
}

/** `fdlab merge a.json b.json ...`: merges shard results made by `--shard` anywhere. */
export function mergeCommand(args: Args): CommandResult {
  const files = args.words;
  if (files.length === 0) throw new UsageError('merge needs the shard files (made with `fdlab explore NAME --shard i/n`)');
  const parts = files.map((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as ShardResult;
    } catch (e) {
      throw new UsageError(`cannot read ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  try {
    return formatMerged(mergeResults(parts), flag(args, 'json'));
  } catch (e) {
    if (ModelError.is(e)) throw new UsageError(e.message);
    throw e;
  }
}

function formatMerged(m: MergedResult, json: boolean): CommandResult {
  const status = m.violations.length > 0 ? 1 : m.exhaustive ? 0 : 4;
  if (json) {
    const { elapsedMs: _e, totalMs: _t, ...rest } = m;
    return { stdout: `${JSON.stringify(rest, null, 2)}\n`, files: [], status };
  }
  const lines = [
    `${m.scenario}: ${m.shards} shard(s) merged`,
    `policy ${JSON.stringify(m.policy)}`,
    `strategy ${m.strategy}: ${m.runs} run(s), ${m.steps} steps, ${m.exhaustive ? 'exhaustive' : 'not exhaustive'}`,
    `outcomes: ${m.outcomes.map((o) => `${o.outcome} ×${o.count}`).join('; ')}`,
  ];
  if (m.violations.length === 0) lines.push(m.exhaustive ? `verdict: clean in every interleaving (${m.runs} schedules)` : 'verdict: no violation found (search not exhaustive)');
  for (const v of m.violations) {
    lines.push(`!! ${v.kind} in ${v.location} by ${v.thread}: ${v.message}`, `   why: ${v.why}`, `   minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}`);
  }
  return { stdout: `${lines.join('\n')}\n`, files: [], status };
}
