import type { Divergence } from './compare.js';

/**
 * Divergences the model keeps on purpose, each with its reason (docs/conformance.md
 * repeats them). A divergence that matches one is counted under its id, not as a failure.
 */
export interface Exclusion {
  readonly id: string;
  readonly reason: string;
  matches(d: Divergence): boolean;
}

export const EXCLUSIONS: readonly Exclusion[] = [];
