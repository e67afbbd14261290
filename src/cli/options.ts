import { parseArgs, type OptionSpec } from './args.js';

/*
 * The command line's shape as plain data: the commands, their options and which word names
 * a scenario. It imports nothing of the library, so the bin can decide which build of the
 * CLI to load (src/cli/bin-cjs.ts) before it loads either.
 */

/** Options of `fdlab list`. */
export const LIST_OPTIONS: OptionSpec = { json: { type: 'boolean' } };
const RENDER_OPTIONS: OptionSpec = { render: { type: 'string' }, out: { type: 'string' } };
/** Search options shared by explore and bisect. */
export const SEARCH_OPTIONS: OptionSpec = {
  strategy: { type: 'string' },
  'max-runs': { type: 'string' },
  'max-time': { type: 'string' },
  seed: { type: 'string' },
  'preemption-bound': { type: 'string' },
  json: { type: 'boolean' },
};
/** Options `explore` gains for sharding. */
export const SHARD_OPTIONS: OptionSpec = { workers: { type: 'string' }, shard: { type: 'string' } };
export const EXPLORE_OPTIONS: OptionSpec = { ...SEARCH_OPTIONS, ...RENDER_OPTIONS, policy: { type: 'string' }, ...SHARD_OPTIONS };
export const REPLAY_OPTIONS: OptionSpec = { ...RENDER_OPTIONS, policy: { type: 'string' }, json: { type: 'boolean' } };
/** Options of `fdlab bisect`. */
export const BISECT_OPTIONS: OptionSpec = { ...SEARCH_OPTIONS, with: { type: 'string' } };
/** Options of `fdlab merge`. */
export const MERGE_OPTIONS: OptionSpec = { json: { type: 'boolean' } };

/** Every command with its options. */
export const COMMANDS: Readonly<Record<string, OptionSpec>> = {
  list: LIST_OPTIONS, explore: EXPLORE_OPTIONS, replay: REPLAY_OPTIONS, bisect: BISECT_OPTIONS, merge: MERGE_OPTIONS,
};

/** The commands whose first word is a scenario. */
const SCENARIO_COMMANDS = new Set(['explore', 'replay', 'bisect']);

/**
 * The argument that marks a worker thread of `explore --workers` (its `process.argv[2]`):
 * the CLI entry sees it before loading anything thread-related, so a plain command never
 * loads `node:worker_threads` or `node:os`.
 */
export const WORKER_ARG = '--fdlab-worker-thread';

/** True if the word names a file rather than a shipped scenario. */
export function looksLikePath(word: string): boolean {
  return /[/\\]/.test(word) || /\.[cm]?[jt]sx?(#|$)/.test(word);
}

/** True if the command runs a search (explore, replay, bisect): it runs most of the library's code. */
export function isSearchCommand(argv: readonly string[]): boolean {
  return argv[0] !== undefined && SCENARIO_COMMANDS.has(argv[0]);
}

/**
 * True if the command line names a scenario module of the user's (`./file.js[#export]`)
 * rather than a shipped scenario. False for a command line that does not parse: the CLI
 * reports that itself.
 */
export function namesScenarioModule(argv: readonly string[]): boolean {
  const cmd = argv[0];
  if (cmd === undefined || !SCENARIO_COMMANDS.has(cmd)) return false;
  try {
    const word = parseArgs(argv.slice(1), COMMANDS[cmd]!).words[0];
    return word !== undefined && looksLikePath(word);
  } catch {
    return false;
  }
}
