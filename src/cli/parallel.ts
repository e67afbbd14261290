import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { exploreShard, mergeResults, ModelError, type ExploreOptions, type MergedResult, type ShardResult, type StrategyName } from '../index.js';
import { scenarios } from '../scenarios/index.js';
import { int, only, str, UsageError, type Args } from './args.js';
import type { CommandResult } from './commands.js';
import { parsePolicy } from './policy-arg.js';

/*
 * Sharded exploration from the command line: `--shard i/n` runs one part and prints it
 * as JSON (for a CI matrix or a Kubernetes indexed Job), `--workers N` runs N parts in
 * worker threads and merges them, `fdlab merge` merges part files made elsewhere.
 */

/** What a worker thread needs: plain data only. */
export interface ShardJob {
  readonly scenario: string;
  readonly options: ExploreOptions;
  readonly index: number;
  readonly count: number;
}

const PARALLEL_OPTIONS = ['policy', 'strategy', 'max-runs', 'seed', 'json', 'preemption-bound', 'workers', 'shard'];

/** The explore options of the command line, as plain data a worker can receive. */
function jobOptions(args: Args, name: string): ExploreOptions {
  const s = scenarios[name]!;
  const strategy = str(args, 'strategy') as StrategyName | undefined;
  const policyText = str(args, 'policy');
  const maxRuns = int(args, 'max-runs');
  const seed = int(args, 'seed');
  const bound = int(args, 'preemption-bound');
  return {
    ...(strategy !== undefined ? { strategy } : {}),
    ...(policyText !== undefined ? { policy: parsePolicy(policyText, s) } : {}),
    ...(maxRuns !== undefined ? { maxRuns } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(bound !== undefined ? { preemptionBound: bound } : {}),
  };
}

function scenarioName(args: Args): string {
  const name = args.words[1];
  if (name === undefined) throw new UsageError('missing <scenario> (see `fdlab list`)');
  if (!Object.prototype.hasOwnProperty.call(scenarios, name)) throw new UsageError(`unknown scenario '${name}' (see \`fdlab list\`)`);
  if (args.words.length > 2) throw new UsageError(`unexpected argument '${args.words[2]}'`);
  return name;
}

function runShard(job: ShardJob): ShardResult {
  try {
    return exploreShard(scenarios[job.scenario]!, job.options, job.index, job.count);
  } catch (e) {
    if (ModelError.is(e) || e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

/** `fdlab explore <scenario> --shard i/n`: one part, as JSON. */
export function shardCommand(args: Args): CommandResult {
  only(args, PARALLEL_OPTIONS);
  const name = scenarioName(args);
  const m = /^(\d+)\/(\d+)$/.exec(str(args, 'shard') ?? '');
  if (m === null) throw new UsageError('--shard needs INDEX/COUNT, e.g. 0/4');
  const job: ShardJob = { scenario: name, options: jobOptions(args, name), index: Number(m[1]), count: Number(m[2]) };
  const r = runShard(job);
  return { stdout: `${JSON.stringify(r)}\n`, files: [], status: r.violations.length > 0 ? 1 : 0 };
}

/** `fdlab explore <scenario> --workers N`: N shards in worker threads, merged. */
export async function workersCommand(args: Args, workerUrl: URL): Promise<CommandResult> {
  only(args, PARALLEL_OPTIONS);
  const name = scenarioName(args);
  const n = int(args, 'workers');
  if (n === undefined || n < 1 || n > 4 * availableParallelism()) throw new UsageError(`--workers needs a count from 1 to ${4 * availableParallelism()}`);
  const options = jobOptions(args, name);
  // Validate in this thread first: a bad option is a usage error, not a worker crash.
  if (n === 1) return formatMerged(mergeResults([runShard({ scenario: name, options, index: 0, count: 1 })]), args.opts.has('json'));
  const parts = await Promise.all(
    Array.from({ length: n }, (_, index) => new Promise<ShardResult>((resolve, reject) => {
      // An eval'd bootstrap that imports the CLI module. Run from source (a .ts URL), it
      // first registers tsx in the worker: loader hooks are per thread.
      const href = JSON.stringify(workerUrl.href);
      const boot = workerUrl.pathname.endsWith('.ts') ? `import('tsx/esm/api').then((m) => m.register()).then(() => import(${href}))` : `import(${href})`;
      const w = new Worker(boot, {
        eval: true, workerData: { scenario: name, options, index, count: n } satisfies ShardJob, execArgv: process.execArgv,
      });
      w.once('message', (r: ShardResult | { error: string }) => ('error' in r ? reject(new UsageError(r.error)) : resolve(r)));
      w.once('error', reject);
    })),
  );
  return formatMerged(mergeResults(parts), args.opts.has('json'));
}

/** The worker thread's side: run the shard in workerData, post the result. */
export function workerMain(job: ShardJob, post: (r: unknown) => void): void {
  try {
    post(runShard(job));
  } catch (e) {
    post({ error: e instanceof Error ? e.message : String(e) });
  }
}

/** `fdlab merge a.json b.json ...`: merges shard results made by `--shard` anywhere. */
export function mergeCommand(args: Args): CommandResult {
  only(args, ['json']);
  const files = args.words.slice(1);
  if (files.length === 0) throw new UsageError('merge needs the shard files (made with `fdlab explore NAME --shard i/n`)');
  const parts = files.map((f) => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as ShardResult;
    } catch (e) {
      throw new UsageError(`cannot read ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  try {
    return formatMerged(mergeResults(parts), args.opts.has('json'));
  } catch (e) {
    if (ModelError.is(e)) throw new UsageError(e.message);
    throw e;
  }
}

function formatMerged(m: MergedResult, json: boolean): CommandResult {
  const status = m.violations.length > 0 ? 1 : 0;
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
