import {
  explore, ModelError, parseSchedule, render, replay,
  type ExploreProgress, type ExploreResult, type PolicyInput, type ReplayResult, type Scenario, type StrategyName, type TraceEvent, type Violation,
} from '../index.js';
import { scenarios } from '../scenarios/index.js';
import { flag, int, maxWords, RunError, str, UsageError, type Args } from './args.js';
import { parsePolicy } from './policy-arg.js';

/**
 * What a command produced: the report for stdout, a note for stderr, files to write, the
 * exit status (0 clean and exhaustive, 1 violation found, 4 nothing found by a search
 * that was not exhaustive).
 */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr?: string;
  readonly files: ReadonlyArray<readonly [path: string, content: string]>;
  readonly status: 0 | 1 | 4;
}

const RENDERERS = ['text', 'mermaid', 'dot', 'json', 'html', 'svg'] as const;
type RendererName = (typeof RENDERERS)[number];
const STRATEGIES: readonly StrategyName[] = ['dpor', 'dfs', 'random', 'pct'];


/** Where a picture goes: a file, or stdout when there is no `--out`. */
interface PictureArg {
  readonly name: RendererName;
  readonly out: string | undefined;
}

function renderArg(args: Args): PictureArg | null {
  const name = str(args, 'render');
  const out = str(args, 'out');
  if (name === undefined) {
    if (out !== undefined) throw new UsageError('--out goes with --render');
    return null;
  }
  if (!(RENDERERS as readonly string[]).includes(name)) throw new UsageError(`--render must be one of ${RENDERERS.join(', ')}, got '${name}'`);
  if (out === undefined && flag(args, 'json')) throw new UsageError('--json and --render without --out both want stdout: add --out FILE');
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
    case 'svg': {
      // The tables at the first violation's step (where the picture says most), else at the end.
      const at = violations[0]?.step;
      return render.svg(events, { title, ...(at !== undefined ? { atStep: at } : {}) });
    }
  }
}

/** The picture on its way: into a file, or onto stdout with the report moved to stderr. */
function deliver(pic: PictureArg | null, content: () => string, report: string, status: CommandResult['status']): CommandResult {
  if (pic === null) return { stdout: report, files: [], status };
  const body = content();
  if (pic.out === undefined) return { stdout: body.endsWith('\n') ? body : `${body}\n`, stderr: report, files: [], status };
  return { stdout: report, files: [[pic.out, body]], status };
}

function policyArg(args: Args, s: Scenario<unknown>): PolicyInput | undefined {
  const text = str(args, 'policy');
  return text === undefined ? undefined : parsePolicy(text, s);
}

/** Runs `fn`; anything it throws that is not a usage error is a run-time error (exit 3). */
export function atRunTime<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError || e instanceof RunError) throw e;
    // An option the explorer refuses (maxRuns 0, an unknown preset) is bad usage.
    if (ModelError.is(e) && e.code === 'bad-option') throw new UsageError(e.message);
    throw new RunError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** One progress line: runs, rate, violations so far, elapsed time. */
export function progressLine(p: ExploreProgress): string {
  const secs = p.elapsedMs / 1000;
  const rate = Math.round(p.runs / Math.max(secs, 0.001));
  return `${p.runs} runs (${rate} runs/s), ${p.violations} violation(s), ${secs.toFixed(1)} s`;
}

/** The search options shared by explore and bisect, checked. */
export function searchOptions(args: Args, onProgress: ((line: string) => void) | undefined) {
  const strategy = (str(args, 'strategy') ?? 'dpor') as StrategyName;
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got '${strategy}'`);
  const maxRuns = int(args, 'max-runs');
  const maxTimeMs = int(args, 'max-time');
  const seed = int(args, 'seed');
  const bound = int(args, 'preemption-bound');
  return {
    strategy,
    ...(maxRuns !== undefined ? { maxRuns } : {}),
    ...(maxTimeMs !== undefined ? { maxTimeMs } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(bound !== undefined ? { preemptionBound: bound } : {}),
    ...(onProgress ? { onProgress: (p: ExploreProgress) => onProgress(progressLine(p)) } : {}),
  };
}

/** The verdict of a search in one word: what the exit status says. */
export function verdictWord(r: ExploreResult): 'violation' | 'clean' | 'not-exhaustive' {
  return r.violations.length > 0 ? 'violation' : r.exhaustive ? 'clean' : 'not-exhaustive';
}

/** The exit status of a search: 1 violation, 0 clean and exhaustive, 4 nothing found but not exhaustive. */
export function searchStatus(r: ExploreResult): CommandResult['status'] {
  return r.violations.length > 0 ? 1 : r.exhaustive ? 0 : 4;
}

/** `fdlab list`. */
export function list(args: Args): CommandResult {
  maxWords(args, 0);
  const rows = Object.values(scenarios).map((s) => ({
    name: s.name,
    title: s.title,
    source: s.source,
    before: s.expected?.before ?? null,
    after: s.expected?.after ?? null,
  }));
  if (flag(args, 'json')) return { stdout: `${JSON.stringify(rows, null, 2)}\n`, files: [], status: 0 };
  const verdict = (v: unknown) => (v === null ? '-' : v === 'clean' ? 'clean' : (v as string[]).join('+'));
  const w = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => `${r.name.padEnd(w)}  before: ${verdict(r.before).padEnd(12)} after: ${verdict(r.after).padEnd(12)} ${r.title}\n${' '.repeat(w)}  from ${r.source}`);
  return { stdout: `${lines.join('\n')}\n`, files: [], status: 0 };
}

/** `fdlab explore <scenario> ...` on a loaded scenario (`args.words[0]` names it). */
export function exploreCommand(args: Args, s: Scenario<unknown>, onProgress?: (line: string) => void): CommandResult {
  maxWords(args, 1);
  const policy = policyArg(args, s);
  const opts = searchOptions(args, onProgress);
  const pic = renderArg(args);
  const r = atRunTime(`exploring ${s.name}`, () => explore(s, { ...opts, ...(policy !== undefined ? { policy } : {}) }));
  const status = searchStatus(r);
  const content = () => atRunTime('render', () => {
    const v = r.violations[0];
    if (v !== undefined) return picture(pic!.name, v.trace, `${s.name} (${v.kind})`, replay(s, v.minimalSchedule, policy !== undefined ? { policy } : {}).violations, v.minimalSchedule);
    const rep = replay(s, '', policy !== undefined ? { policy } : {});
    return picture(pic!.name, rep.trace, `${s.name} (no violation)`, rep.violations, rep.schedule);
  });
  if (flag(args, 'json')) {
    const out = {
      scenario: s.name,
      policy: r.policy,
      strategy: r.strategy,
      verdict: verdictWord(r),
      exhaustive: r.exhaustive,
      runs: r.runs,
      outcomes: r.outcomes,
      violations: r.violations.map((v) => ({ kind: v.kind, message: v.message, why: v.why, location: v.location, schedule: v.schedule, minimalSchedule: v.minimalSchedule, preemptions: v.preemptions })),
    };
    return deliver(pic, content, `${JSON.stringify(out, null, 2)}\n`, status);
  }
  const lines = [
    `${s.name}: ${s.title}`,
    `policy ${JSON.stringify(r.policy)}`,
    `strategy ${r.strategy}: ${r.runs} run(s), ${r.steps} steps, ${r.exhaustive ? 'exhaustive' : 'not exhaustive'}`,
    `outcomes: ${r.outcomes.map((o) => `${o.outcome} ×${o.count}`).join('; ')}`,
  ];
  if (r.violations.length === 0) {
    lines.push(r.exhaustive ? `verdict: clean in every interleaving (${r.runs} schedules)` : `verdict: no violation found, but the search was not exhaustive (${r.runs} runs; raise --max-runs / --max-time or use --strategy dpor)`);
  }
  for (const v of r.violations) {
    lines.push(`!! ${v.kind} in ${v.location} by ${v.thread}: ${v.message}`, `   why: ${v.why}`, `   minimal schedule (${v.preemptions} preemption(s)): ${v.minimalSchedule}`);
  }
  return deliver(pic, content, `${lines.join('\n')}\n`, status);
}

/** `fdlab replay <scenario> <schedule> ...` on a loaded scenario. */
export function replayCommand(args: Args, s: Scenario<unknown>): CommandResult {
  const schedule = args.words[1];
  if (schedule === undefined) throw new UsageError('missing <schedule> (e.g. 0.0.1.1, as explore prints it)');
  maxWords(args, 2);
  try {
    parseSchedule(schedule);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const policy = policyArg(args, s);
  const pic = renderArg(args);
  let rep: ReplayResult;
  try {
    rep = replay(s, schedule, policy !== undefined ? { policy } : {});
  } catch (e) {
    if (e instanceof RangeError) throw new RunError(`replay: the schedule does not fit ${s.name}${policy !== undefined ? ' under this policy' : ''}: ${e.message}`);
    throw new RunError(`replay: ${e instanceof Error ? e.message : String(e)}`);
  }
  const status = rep.violations.length > 0 ? 1 : 0;
  const content = () => picture(pic!.name, rep.trace, `${s.name} replay`, rep.violations, rep.schedule);
  if (flag(args, 'json')) {
    return deliver(pic, content, `${JSON.stringify({ scenario: s.name, schedule: rep.schedule, outcome: rep.outcome, violations: rep.violations.map((v) => ({ kind: v.kind, message: v.message, step: v.step })) }, null, 2)}\n`, status);
  }
  const out = [...(pic !== null && pic.name === 'text' && pic.out === undefined ? [] : [render.text(rep.trace)]), `schedule: ${rep.schedule}`, `outcome: ${rep.outcome}`];
  for (const v of rep.violations) out.push(`!! ${v.kind}: ${v.message}`);
  return deliver(pic, content, `${out.join('\n')}\n`, status);
}
