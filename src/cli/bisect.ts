import { bisect, type BisectResult, type KernelPolicy, type PolicyChange, type Scenario } from '../index.js';
import { flag, maxWords, str, UsageError, type Args } from './args.js';
import { atRunTime, searchOptions, type CommandResult } from './commands.js';
import { parsePolicy } from './policy-arg.js';


function change(c: PolicyChange): string {
  const o = c.origin;
  const mark = c.decisive === true ? '* ' : c.decisive === false ? '  ' : '? ';
  const from = `${mark}${c.key}: ${String(c.from)} → ${String(c.to)}`;
  if (o === undefined) return from;
  return `${from}  ${o.commit ?? '(no commit hash)'} "${o.title}" (${o.since}${o.seed !== undefined ? `, ${o.seed}` : ''})`;
}

/** The bisection as text: one line per version, then each range with its suspects. */
export function bisectText(s: Scenario<unknown>, b: BisectResult): string {
  const lines = [`${s.name}: ${s.title}`];
  const w = Math.max(...b.versions.map((v) => v.preset.length));
  const verdicts = b.versions.map((v) => (v.verdict === 'clean' ? (v.exhaustive ? 'clean' : 'nothing found (not exhaustive)') : v.verdict === 'unavailable' ? 'unavailable' : v.verdict.join('+')));
  const vw = Math.max(...verdicts.map((v) => v.length));
  b.versions.forEach((v, i) => lines.push(`  ${v.preset.padEnd(w)}  ${verdicts[i]!.padEnd(vw)}  ${v.result === null ? `(setup: ${v.unavailable ?? 'ENOSYS'})` : `${v.result.runs} run(s)`}`));
  if (b.ranges.length === 0) lines.push(b.exhaustive ? 'no violation in any version, in every interleaving' : 'no violation found (some searches were not exhaustive)');
  else lines.push('(* decisive: that switch put back alone undoes the change; ? not known: that search was not exhaustive)');
  for (const r of b.ranges) {
    lines.push(`${r.kind}: ${r.first === r.last ? r.first : `${r.first} .. ${r.last}`}`);
    if (r.introducedAfter === null) lines.push(`  introduced: at or before ${r.first} (the oldest version run)`);
    else lines.push(`  introduced in ${r.first} by`, ...r.introducedBy.map((c) => `    ${change(c)}`));
    if (r.fixedIn === null) lines.push(`  still present in ${r.last}`);
    else lines.push(`  fixed in ${r.fixedIn} by`, ...r.fixedBy.map((c) => `    ${change(c)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** `fdlab bisect <scenario>`: the scenario under every kernel version, with the changes at each end of a race. */
export function bisectCommand(args: Args, s: Scenario<unknown>, onProgress?: (line: string) => void): CommandResult {
  maxWords(args, 1);
  const opts = searchOptions(args, onProgress);
  const withText = str(args, 'with');
  let extra: Partial<KernelPolicy> | undefined;
  if (withText !== undefined) {
    const parts = parsePolicy(withText, s) as ReadonlyArray<unknown>;
    if (parts.some((p) => typeof p !== 'object')) throw new UsageError('--with takes key=value switches only (e.g. fgetRecheck=none)');
    extra = Object.assign({}, ...parts) as Partial<KernelPolicy>;
  }
  const b = atRunTime(`bisecting ${s.name}`, () => bisect(s, { ...opts, ...(extra !== undefined ? { with: extra } : {}) }));
  const status = b.ranges.length > 0 ? 1 : b.exhaustive ? 0 : 4;
  if (flag(args, 'json')) {
    const out = {
      scenario: b.scenario,
      verdict: status === 1 ? 'violation' : status === 0 ? 'clean' : 'not-exhaustive',
      exhaustive: b.exhaustive,
      versions: b.versions.map((v) => ({ preset: v.preset, verdict: v.verdict, exhaustive: v.exhaustive, runs: v.result?.runs ?? 0, policy: v.policy, ...(v.unavailable !== undefined ? { unavailable: v.unavailable } : {}) })),
      ranges: b.ranges,
    };
    return { stdout: `${JSON.stringify(out, null, 2)}\n`, files: [], status };
  }
  return { stdout: bisectText(s, b), files: [], status };
}
