import { DEFAULT_POLICY, POLICY_PRESETS, type KernelPolicy, type PolicyInput } from '../kernel/policies.js';
import { ModelError } from '../sim/model-error.js';
import { resolvePolicy } from '../sim/policy.js';
import type { Scenario } from './scenario.js';

/**
 * Resolves the policy a scenario runs under: `'before'` and `'after'` name the
 * scenario's own sets; anything else is a policy input (preset name, partial object or
 * list); undefined is the current kernel. Throws a ModelError (`bad-option`) if the scenario has no
 * such set or the input names an unknown preset or key.
 *
 * Models choosing the kernel version a reproducer runs on: the tree before the fix, the
 * tree after it, or any release.
 *
 * @example
 * ```ts
 * import { defineScenario, scenarioPolicy } from 'fdlab';
 * const s = defineScenario({
 *   name: 'x', title: 'x', source: 'x',
 *   before: 'linux-6.4', after: { fdgetPos: 'always' },
 *   setup() {},
 * });
 * scenarioPolicy(s, 'before').fdgetPos; // 'when-shared'
 * scenarioPolicy(s, 'after').fdgetPos;  // 'always'
 * ```
 */
export function scenarioPolicy<C>(scenario: Scenario<C>, policy?: 'before' | 'after' | PolicyInput): KernelPolicy {
  let input: PolicyInput | undefined;
  if (policy === 'before' || policy === 'after') {
    input = scenario[policy];
    if (input === undefined) throw new ModelError('bad-option', `scenario '${scenario.name}' has no '${policy}' policy`);
  } else {
    input = policy;
  }
  return Object.freeze(resolvePolicy<KernelPolicy>(DEFAULT_POLICY, POLICY_PRESETS, input));
}
