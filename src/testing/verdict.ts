import { explore, matchesVerdict, verdictOf, type ExploreOptions, type ExploreResult, type Scenario, type ViolationKind } from '../index.js';

/**
 * Explores a scenario under one policy and throws an Error that says what was found
 * unless the verdict is the expected one: `'clean'` needs an exhaustive search without
 * violations; a kind (or list of kinds) needs each to be found, and the message of a
 * failure names the minimal schedule to replay. Returns the search result for further
 * checks. Works with any test runner (it throws; it does not call `expect`).
 *
 * Models the argument of a kernel fix as a test: the old kernel shows the bug in some
 * interleaving, the patched one in none.
 *
 * @example
 * ```ts
 * import { expectVerdict } from 'fdlab/testing';
 * import { pidfdGetfdFpos } from 'fdlab/scenarios';
 * expectVerdict(pidfdGetfdFpos, 'before', 'fpos-race');
 * expectVerdict(pidfdGetfdFpos, 'linux-6.5-rc', 'clean');
 * ```
 */
export function expectVerdict<C>(
  scenario: Scenario<C>,
  policy: ExploreOptions['policy'],
  expected: 'clean' | ViolationKind | readonly ViolationKind[],
  options: Omit<ExploreOptions, 'policy'> = {},
): ExploreResult {
  const r = explore(scenario, { ...options, ...(policy !== undefined ? { policy } : {}) });
  const want = expected === 'clean' ? 'clean' : typeof expected === 'string' ? [expected as ViolationKind] : expected;
  if (matchesVerdict(r, want)) return r;
  const under = `${scenario.name} under ${typeof policy === 'string' ? policy : JSON.stringify(policy ?? 'current')}`;
  const found = verdictOf(r);
  const shown = r.violations.map((v) => `${v.kind} in ${v.location} (replay '${v.minimalSchedule}'): ${v.message}`).join('; ');
  if (want === 'clean') {
    throw new Error(found === 'clean'
      ? `${under}: expected clean, but the search was not exhaustive (${r.runs} runs): nothing is proved`
      : `${under}: expected clean, found ${shown}`);
  }
  throw new Error(`${under}: expected ${want.join(' + ')}, found ${found === 'clean' ? `no violation in ${r.runs} run(s)${r.exhaustive ? ' (exhaustive)' : ' (not exhaustive)'}` : shown}`);
}
