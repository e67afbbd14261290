import { validRoles, type Program } from './program.js';

/**
 * Shrinks a divergent program to a minimal one that still diverges with the same
 * signature: delta debugging over the calls (drop chunks, then single calls), dropping
 * the calls of processes whose fork was removed. `diverges` runs both sides (in batches:
 * every candidate of one round goes to one runner process).
 */
export function shrink(p: Program, diverges: (candidates: readonly Program[]) => number): Program {
  let cur = p;
  let chunk = Math.max(1, Math.floor(cur.length / 2));
  while (chunk >= 1) {
    const cands: Program[] = [];
    for (let i = 0; i < cur.length; i += chunk) cands.push(validRoles([...cur.slice(0, i), ...cur.slice(i + chunk)]));
    const hit = diverges(cands.filter((c) => c.length < cur.length));
    if (hit >= 0) {
      cur = cands.filter((c) => c.length < cur.length)[hit]!;
      chunk = Math.min(chunk, Math.max(1, Math.floor(cur.length / 2)));
      continue;
    }
    if (chunk === 1) break;
    chunk = Math.floor(chunk / 2);
  }
  return cur;
}
