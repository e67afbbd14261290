import { explore, hasOwnKey, ModelError, render, replay, type ExploreResult, type Scenario, type StrategyName, type TraceEvent, type Violation } from '../index.js';
import { scenarios } from '../scenarios/index.js';
import { int, only, str, UsageError, type Args } from './args.js';
import { parsePolicy } from './policy-arg.js';

/** What a command produced: text for stdout, files to write, the exit status. */
export interface CommandResult {
  readonly stdout: string;
  readonly files: ReadonlyArray<readonly [path: string, content: string]>;
  readonly status: 0 | 1;
}

const RENDERERS = ['text', 'mermaid', 'dot', 'json', 'html'] as const;
type RendererName = (typeof RENDERERS)[number];
const STRATEGIES: readonly StrategyName[] = ['dpor', 'dfs', 'random', 'pct'];

function scenarioArg(name: string | undefined): Scenario<never> {
  if (name === undefined) throw new UsageError('missing <scenario> (see `fdlab list`)');
  const s = hasOwnKey(scenarios, name) ? scenarios[name] : undefined;
  if (s === undefined) throw new UsageError(`unknown scenario '${name}' (see \`fdlab list\`)`);
  return s;
}

function renderArg(args: Args): { name: RendererName; out: string } | null {
  const name = str(args, 'render');
  const out = str(args, 'out');
  if (name === undefined) {
    if (out !== undefined) throw new UsageError('--out goes with --render');
    return null;
  }
  if (!RENDERERS.includes(name as RendererName)) throw new UsageError(`--render must be one of ${RENDERERS.join(', ')}`);
  if (out === undefined) throw new UsageError('--render needs --out FILE');
  return { name: name as RendererName, out };
}

function picture(name: RendererName, events: readonly TraceEvent[], title: string, violations: readonly Violation[], schedule: string): string {
  switch (name) {
    case 'text':
      return render.text(events);
    case 'mermaid':
      return render.mermaid(events, { title });
    case 'dot':
      return render.dot(events, { title });
    case 'json':
      return render.json(events, { title, schedule });
    case 'html':
      return render.html(events, { title, violations, schedule });
  }
}

/** `fdlab list`. */
export function list(args: Args): CommandResult {
  only(args, ['json']);
  const rows = Object.values(scenarios).map((s) => ({
    name: s.name,
    title: s.title,
    source: s.source,
    before: s.expected?.before ?? null,
    after: s.expected?.after ?? null,
  }));
  if (args.opts.has('json')) return { stdout: `${JSON.stringify(rows, null, 2)}\n`, files: [], status: 0 };
  const verdict = (v: unknown) => (v === null ? '-' : v === 'clean' ? 'clean' : (v as string[]).join('+'));
  const w = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => `${r.name.padEnd(w)}  before: ${verdict(r.before).padEnd(12)} after: ${verdict(r.after).padEnd(12)} ${r.title}\n${' '.repeat(w)}  from ${r.source}`);
  return { stdout: `${lines.join('\n')}\n`, files: [], status: 0 };
}

/** `fdlab explore <scenario> ...`. */
export function exploreCommand(args: Args, onProgress?: (line: string) => void): CommandResult {
  only(args, ['policy', 'strategy', 'max-runs', 'seed', 'json', 'render', 'out', 'preemption-bound']);
  const s = scenarioArg(args.words[1]);
  if (args.words.length > 2) throw new UsageError(`unexpected argument '${args.words[2]}'`);
  const strategy = (str(args, 'strategy') ?? 'dpor') as StrategyName;
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}`);
  const policyText = str(args, 'policy');
  const policy = policyText === undefined ? undefined : parsePolicy(policyText, s);
  const maxRuns = int(args, 'max-runs');
  const seed = int(args, 'seed');
  const bound = int(args, 'preemption-bound');
  const pic = renderArg(args);
  let r: ExploreResult;
  try {
    r = explore(s, {
      strategy,
      ...(policy !== undefined ? { policy } : {}),
      ...(maxRuns !== undefined ? { maxRuns } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(bound !== undefined ? { preemptionBound: bound } : {}),
      ...(onProgress ? { onProgress: (p) => onProgress(`${p.runs} runs, ${Math.round(p.runs / Math.max(p.elapsedMs, 1) * 1000)} runs/s, ${p.violations} violation(s)`) } : {}),
    });
  } catch (e) {
    if (e instanceof RangeError || ModelError.is(e)) throw new UsageError(e.message);
    throw e;
  }
  const files: Array<[string, string]> = [];
  if (pic !== null) {
    const v = r.violations[0];
    const shown = v ?? null;
    const rep = replay(s, shown ? shown.minimalSchedule : '', policy !== undefined ? { policy } : {});
    files.push([pic.out, picture(pic.name, shown ? shown.trace : rep.trace, `${s.name} (${shown ? shown.kind : 'no violation'})`, rep.violations, shown ? shown.minimalSchedule : rep.schedule)]);
  }
  const status = r.violations.length > 0 ? 1 : 0;
  if (args.opts.has('json')) {
    const out = {
      scenario: s.name,
      policy: r.policy,
      strategy: r.strategy,
      exhaustive: r.exhaustive,
      runs: r.runs,
      outcomes: r.outcomes,
      violations: r.violations.map((v) => ({ kind: v.kind, message: v.message, why: v.why, location: v.location, schedule: v.schedule, minimalSchedule: v.minimalSchedule, preemptions: v.preemptions })),
    };
    return { stdout: `${JSON.stringify(out, null, 2)}\n`, files, status };
  }
  const lines = [
    `${s.name}: ${s.title}`,
    `policy ${JSON.stringify(r.policy)}`,
    `strategy ${r.strategy}: ${r.runs} run(s), ${r.steps} steps, ${r.exhaustive ? 'exhaustive' : 'not exhaustive'}`,
    `outcomes: ${r.outcomes.map((o) => `${o.outcome} ×${o.count}`).join('; ')}`,
  ];
  if (r.violations.length === 0) lines.push(r.exhaustive ? `verdict: clean in every interleaving (${r.runs} schedules)` : 'verdict: no violation found (search not exhaustive)');
  for (const v of r.violations) {
    lines.push(`!! ${v.kind} in ${v.location} by ${v.thread}: ${v.message}`, `   why: ${v.why}`, `   minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}`);
  }
  return { stdout: `${lines.join('\n')}\n`, files, status };
}

/** `fdlab replay <scenario> <schedule> ...`. */
export function replayCommand(args: Args): CommandResult {
  only(args, ['policy', 'render', 'out', 'json']);
  const s = scenarioArg(args.words[1]);
  const schedule = args.words[2];
  if (schedule === undefined) throw new UsageError('missing <schedule> (e.g. 0.0.1.1)');
  if (args.words.length > 3) throw new UsageError(`unexpected argument '${args.words[3]}'`);
  const policyText = str(args, 'policy');
  const policy = policyText === undefined ? undefined : parsePolicy(policyText, s);
  const pic = renderArg(args);
  let rep;
  try {
    rep = replay(s, schedule, policy !== undefined ? { policy } : {});
  } catch (e) {
    if (e instanceof RangeError || ModelError.is(e)) throw new UsageError(e.message);
    throw e;
  }
  const files: Array<[string, string]> = [];
  if (pic !== null) files.push([pic.out, picture(pic.name, rep.trace, `${s.name} replay`, rep.violations, rep.schedule)]);
  const status = rep.violations.length > 0 ? 1 : 0;
  if (args.opts.has('json')) {
    return { stdout: `${JSON.stringify({ scenario: s.name, schedule: rep.schedule, outcome: rep.outcome, violations: rep.violations.map((v) => ({ kind: v.kind, message: v.message, step: v.step })) }, null, 2)}\n`, files, status };
  }
  const out = [render.text(rep.trace), `schedule: ${rep.schedule}`, `outcome: ${rep.outcome}`];
  for (const v of rep.violations) out.push(`!! ${v.kind}: ${v.message}`);
  return { stdout: `${out.join('\n')}\n`, files, status };
}
