import { DEFAULT_POLICY, POLICY_HISTORY, POLICY_PRESETS, type KernelPolicy, type PolicyInput, type PolicyValueOrigin, type PresetName } from '../kernel/policies.js';
import { KernelError } from '../sim/kernel-error.js';
import type { ViolationKind } from '../sim/violation.js';
import { explore } from './explore.js';
import type { ExploreOptions } from './options.js';
import { scenarioPolicy } from './policy.js';
import type { ExploreResult } from './result.js';
import type { Scenario, Verdict } from './scenario.js';
import { verdictOf } from './verdict.js';

/**
 * The kernel versions `bisect()` runs by default, oldest first: every preset but
 * `current`, which is the newest of them under another name.
 *
 * @example
 * ```ts
 * import { BISECT_PRESETS } from 'fdlab';
 * BISECT_PRESETS[0]; // 'linux-3.14'
 * ```
 */
export const BISECT_PRESETS: readonly PresetName[] = [
  'linux-3.14', 'linux-5.11', 'linux-5.16', 'linux-6.4', 'linux-6.5-rc', 'linux-6.5', 'linux-6.6', 'linux-6.7', 'linux-6.9', 'linux-6.15',
];

/**
 * Options of {@link bisect}: the search options of `explore()` for every version, the
 * versions to run, and switches applied on top of each preset.
 *
 * @example
 * ```ts
 * import type { BisectOptions } from 'fdlab';
 * const o: BisectOptions = { presets: ['linux-6.4', 'linux-6.5-rc'], maxRuns: 10_000 };
 * ```
 */
export interface BisectOptions extends Omit<ExploreOptions, 'policy'> {
  /** The versions, oldest first (default {@link BISECT_PRESETS}). */
  readonly presets?: readonly PresetName[];
  /** Switches applied after each preset, e.g. `{ fgetRecheck: 'none' }` to hold one behaviour fixed. */
  readonly with?: Partial<KernelPolicy>;
}

/**
 * One kernel version's result in a bisection.
 *
 * @example
 * ```ts
 * import type { BisectVersion } from 'fdlab';
 * const line = (v: BisectVersion) => `${v.preset}: ${typeof v.verdict === 'string' ? v.verdict : v.verdict.join('+')}`;
 * ```
 */
export interface BisectVersion {
  /** The preset run. */
  readonly preset: PresetName;
  /** The policy it resolved to. */
  readonly policy: KernelPolicy;
  /**
   * `'clean'` or the violation kinds found; `'unavailable'` when the scenario cannot be
   * set up on that version: its setup made a call the version answers with an error — a
   * system call it does not have (ENOSYS), an io_uring command or a flag it does not
   * know (EINVAL): see policy `syscalls`. A setup that every version refuses throws its
   * error instead.
   */
  readonly verdict: Verdict | 'unavailable';
  /** True if the search covered every interleaving (a `'clean'` verdict proves nothing otherwise); true for an unavailable version. */
  readonly exhaustive: boolean;
  /** The whole search result (shared by versions with the same policy: they are searched once); null for an unavailable version. */
  readonly result: ExploreResult | null;
  /** For an unavailable version: the setup's error, e.g. `io_uring_setup: ENOSYS ...`. */
  readonly unavailable?: string;
}

/**
 * A change of one policy switch between two neighbouring versions, with the kernel
 * commit it models.
 *
 * @example
 * ```ts
 * import type { PolicyChange } from 'fdlab';
 * const say = (c: PolicyChange) => `${c.key}: ${String(c.from)} → ${String(c.to)} (${c.origin?.commit ?? 'no commit'})`;
 * ```
 */
export interface PolicyChange {
  /** The switch that changed. */
  readonly key: keyof KernelPolicy;
  /** Its value in the older version. */
  readonly from: KernelPolicy[keyof KernelPolicy];
  /** Its value in the newer version. */
  readonly to: KernelPolicy[keyof KernelPolicy];
  /** Where the newer value comes from (`POLICY_HISTORY`), if documented. */
  readonly origin: PolicyValueOrigin | undefined;
  /**
   * Set by {@link bisect} on the changes at a range's ends: true if putting this switch
   * alone back to its older value, in the newer version, undoes the change of verdict (the
   * race disappears again at an introduction, comes back at a fix) — the change that
   * matters; false if it does not; undefined where the counterfactual search was not
   * exhaustive and found nothing, which proves nothing. `git bisect` names one commit;
   * releases bundle several changes, and this tells them apart.
   */
  readonly decisive?: boolean;
}

/**
 * A maximal run of consecutive versions that show one violation kind: where it began and
 * ended, and the policy changes at each end (the suspects for introducing and fixing it).
 *
 * @example
 * ```ts
 * import type { BisectRange } from 'fdlab';
 * const say = (r: BisectRange) => `${r.kind}: ${r.first} .. ${r.last}${r.fixedIn ? `, fixed in ${r.fixedIn}` : ', still present'}`;
 * ```
 */
export interface BisectRange {
  /** The violation kind. */
  readonly kind: ViolationKind;
  /** The first version that shows it. */
  readonly first: PresetName;
  /** The last version that shows it. */
  readonly last: PresetName;
  /** The version before `first`, or null if `first` is the oldest version run. */
  readonly introducedAfter: PresetName | null;
  /** The policy changes from `introducedAfter` to `first` (empty when the range starts at the oldest version). */
  readonly introducedBy: readonly PolicyChange[];
  /** The version after `last`, in which the kind is gone, or null if it is present in the newest version run. */
  readonly fixedIn: PresetName | null;
  /** The policy changes from `last` to `fixedIn`. */
  readonly fixedBy: readonly PolicyChange[];
}

/**
 * What {@link bisect} returns.
 *
 * @example
 * ```ts
 * import type { BisectResult } from 'fdlab';
 * const racy = (b: BisectResult) => b.versions.filter((v) => typeof v.verdict !== 'string').map((v) => v.preset);
 * ```
 */
export interface BisectResult {
  /** The scenario's name. */
  readonly scenario: string;
  /** Every version run, oldest first. */
  readonly versions: readonly BisectVersion[];
  /** Every range of versions in which a violation kind existed, in order of first appearance. */
  readonly ranges: readonly BisectRange[];
  /** True if every version's search was exhaustive. */
  readonly exhaustive: boolean;
}

/**
 * The switches that differ between two resolved policies, each with the documented
 * origin of its newer value: the suspects when a verdict changes between two versions.
 *
 * @example
 * ```ts
 * import { DEFAULT_POLICY, policyChanges } from 'fdlab';
 * const c = policyChanges({ ...DEFAULT_POLICY, fdgetPos: 'when-shared' }, { ...DEFAULT_POLICY, fdgetPos: 'always' });
 * c[0]?.origin?.commit; // '20ea1e7d13c1'
 * ```
 */
export function policyChanges(older: KernelPolicy, newer: KernelPolicy): PolicyChange[] {
  const out: PolicyChange[] = [];
  for (const key of Object.keys(DEFAULT_POLICY) as Array<keyof KernelPolicy>) {
    if (older[key] === newer[key]) continue;
    const table = (POLICY_HISTORY as unknown as Readonly<Record<string, Readonly<Record<string, PolicyValueOrigin>>>>)[key];
    out.push({ key, from: older[key], to: newer[key], origin: table?.[String(newer[key])] });
  }
  return out;
}

/**
 * The policy changes between two versions that may explain a change of verdict, each tried
 * alone: the newer version with that one switch as it was, and whether the kind goes back
 * to what the older version showed. The system call table (`syscalls`) changes between
 * most releases; it is listed only where it is not known to be irrelevant (the scenario
 * made a call the older table lacked), so that it does not crowd every range.
 */
function suspects(older: BisectVersion, newer: BisectVersion, kind: ViolationKind, run: (policy: KernelPolicy) => ExploreResult | KernelError): PolicyChange[] {
  const inOlder = kindsOf(older.verdict).includes(kind);
  const tried = policyChanges(older.policy, newer.policy).map((c): PolicyChange => {
    const r = run({ ...newer.policy, [c.key]: older.policy[c.key] } as KernelPolicy);
    const found = KernelError.is(r) ? false : r.violations.some((v) => v.kind === kind);
    const proven = KernelError.is(r) || found || r.exhaustive;
    return proven ? { ...c, decisive: found === inOlder } : c;
  });
  return tried.filter((c) => c.key !== 'syscalls' || c.decisive !== false);
}

function kindsOf(v: Verdict | 'unavailable'): readonly ViolationKind[] {
  return v === 'clean' || v === 'unavailable' ? [] : v;
}

/**
 * Runs a scenario under every kernel version from linux-3.14 to the current one and
 * reports which versions show which verdict, the version ranges in which each violation
 * existed, and the policy changes — with the commits they model — at each range's ends:
 * the change that introduced the race and the one that fixed it. Versions that resolve
 * to the same policy are searched once. A version without a system call, io_uring
 * command or flag the scenario needs answers as that kernel would (ENOSYS, EINVAL): in a
 * thread it is an outcome (the race cannot happen there), in the setup the version is
 * `'unavailable'`; either way the arrival (policy `syscalls`) is among the changes that
 * introduced it.
 *
 * Models `git bisect` over kernel history, with the interleaving search standing in for
 * the reproducer; the suspects are read from {@link POLICY_HISTORY}, and each is tried
 * alone: the newer version is searched again with that one switch put back, and the
 * change is `decisive` if that undoes the change of verdict. A `'clean'`
 * verdict from a search that was not exhaustive (`maxRuns`, `maxTimeMs`, random or PCT)
 * proves nothing: check `exhaustive`.
 *
 * @example
 * ```ts
 * import { bisect } from 'fdlab';
 * import { pidfdGetfdFpos } from 'fdlab/scenarios';
 * const b = bisect(pidfdGetfdFpos);
 * const r = b.ranges[0]!;
 * `${r.kind}: ${r.first} .. ${r.last}, fixed in ${r.fixedIn}`; // 'fpos-race: linux-5.11 .. linux-6.4, fixed in linux-6.5-rc'
 * r.fixedBy[0]?.origin?.commit; // '20ea1e7d13c1'
 * ```
 */
export function bisect<C>(scenario: Scenario<C>, options: BisectOptions = {}): BisectResult {
  const { presets = BISECT_PRESETS, with: extra, ...search } = options;
  if (presets.length === 0) throw new RangeError('bisect needs at least one preset');
  for (const p of presets) if (!Object.hasOwn(POLICY_PRESETS, p)) throw new RangeError(`unknown preset '${p}'`);
  const cache = new Map<string, ExploreResult | KernelError>();
  const run = (policy: KernelPolicy): ExploreResult | KernelError => {
    const key = JSON.stringify(policy);
    let result = cache.get(key);
    if (result === undefined) {
      try {
        result = explore(scenario, { ...search, policy });
      } catch (e) {
        // A scenario whose setup needs what the version lacks (io_uring before v5.1, sparse
        // registration before v5.19) cannot run there: the kernel's answer to the setup is a
        // verdict about the version, not a failure — unless every version refuses it (below).
        // In a thread the same answer is only an outcome (explore() never throws it);
        // anything else is the caller's to see.
        if (!KernelError.is(e)) throw e;
        result = e;
      }
      cache.set(key, result);
    }
    return result;
  };
  const versions: BisectVersion[] = presets.map((preset) => {
    const input: PolicyInput = extra === undefined ? preset : [preset, extra];
    const policy = scenarioPolicy(scenario, input);
    const result = run(policy);
    if (KernelError.is(result)) return { preset, policy, verdict: 'unavailable', exhaustive: true, result: null, unavailable: result.message };
    return { preset, policy, verdict: verdictOf(result), exhaustive: result.exhaustive, result };
  });
  // A setup that no version accepts is the scenario's error, not the kernels' history.
  if (versions.every((v) => v.result === null)) throw run(versions[versions.length - 1]!.policy) as KernelError;

  const ranges: BisectRange[] = [];
  const kinds: ViolationKind[] = [];
  for (const v of versions) for (const k of kindsOf(v.verdict)) if (!kinds.includes(k)) kinds.push(k);
  for (const kind of kinds) {
    let i = 0;
    while (i < versions.length) {
      if (!kindsOf(versions[i]!.verdict).includes(kind)) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < versions.length && kindsOf(versions[j + 1]!.verdict).includes(kind)) j++;
      const before = i > 0 ? versions[i - 1]! : null;
      const after = j + 1 < versions.length ? versions[j + 1]! : null;
      ranges.push({
        kind,
        first: versions[i]!.preset,
        last: versions[j]!.preset,
        introducedAfter: before?.preset ?? null,
        introducedBy: before === null ? [] : suspects(before, versions[i]!, kind, run),
        fixedIn: after?.preset ?? null,
        fixedBy: after === null ? [] : suspects(versions[j]!, after, kind, run),
      });
      i = j + 1;
    }
  }
  ranges.sort((a, b) => presets.indexOf(a.first) - presets.indexOf(b.first));
  return { scenario: scenario.name, versions, ranges, exhaustive: versions.every((v) => v.exhaustive) };
}
