import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../index.js';
import { scenarios } from '../scenarios/index.js';
import { RunError, UsageError } from './args.js';
import { looksLikePath } from './options.js';

/** Shaped like a scenario: a name and a setup function (what explore and replay call). */
function isScenario(v: unknown): v is Scenario<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { setup?: unknown }).setup === 'function';
}

/** The scenario-valued exports of a module namespace; a CJS module's `module.exports` arrives as `default`. */
function scenarioExports(ns: Record<string, unknown>): Map<string, Scenario<unknown>> {
  const found = new Map<string, Scenario<unknown>>();
  for (const [k, v] of Object.entries(ns)) if (k !== 'default' && isScenario(v)) found.set(k, v);
  const d = ns['default'];
  if (isScenario(d)) found.set('default', d);
  else if (typeof d === 'object' && d !== null) for (const [k, v] of Object.entries(d)) if (isScenario(v) && !found.has(k)) found.set(k, v);
  return found;
}

/**
 * Resolves the `<scenario>` word: a shipped scenario's name, or `./file.js[#export]`, a
 * module (ESM or CJS; TypeScript if node runs with a loader for it) loaded by dynamic
 * import. Without `#export` the module's default export is taken if it is a scenario,
 * else its only scenario export.
 */
export async function loadScenario(word: string | undefined, cwd: string = process.cwd()): Promise<Scenario<unknown>> {
  if (word === undefined) throw new UsageError('missing <scenario>: a shipped name (see `fdlab list`) or ./file.js[#export]');
  if (!looksLikePath(word)) {
    if (Object.hasOwn(scenarios, word)) return scenarios[word]!;
    throw new UsageError(`unknown scenario '${word}': see \`fdlab list\`, or name a module as ./file.js[#export]`);
  }
  const hash = word.lastIndexOf('#');
  const file = hash >= 0 ? word.slice(0, hash) : word;
  const name = hash >= 0 ? word.slice(hash + 1) : undefined;
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const hint = /\.[cm]?tsx?$/.test(file) && /Unknown file extension|ERR_UNKNOWN_FILE_EXTENSION/.test(msg)
      ? ' (run node with a TypeScript loader, e.g. `node --import tsx node_modules/.bin/fdlab ...`; Node 23.6+ strips types itself)'
      : '';
    throw new RunError(`cannot load ${file}: ${msg}${hint}`);
  }
  const found = scenarioExports(ns);
  if (name !== undefined) {
    const s = found.get(name);
    if (s === undefined) {
      throw new UsageError(`${file} has no scenario export '${name}'${found.size > 0 ? ` (it exports ${[...found.keys()].join(', ')})` : ''}`);
    }
    return s;
  }
  const d = found.get('default');
  if (d !== undefined) return d;
  if (found.size === 1) return [...found.values()][0]!;
  if (found.size === 0) throw new UsageError(`${file} exports no scenario (an object with a name and a setup(k) function)`);
  throw new UsageError(`${file} exports several scenarios (${[...found.keys()].join(', ')}): pick one with ${file}#<name>`);
}
