/*
 * `npm run bench`: runs every benchmark group and merges its figures into
 * bench/results.json. Run with `node --expose-gc --import tsx bench/index.ts` (the npm
 * script does) so the heap figure can force a collection.
 */
import { runCore } from './core.js';
import { runEpoll } from './epoll.js';
import { runExplore } from './explore.js';
import { runReliability } from './reliability.js';
import { runUnix } from './unix.js';
import { runUring } from './uring.js';

const groups: Array<[string, () => void | Promise<void>]> = [
  ['core', runCore],
  ['explore', runExplore],
  ['reliability', runReliability],
  ['epoll', runEpoll],
  ['unix', runUnix],
  ['uring', runUring],
];
const only = process.argv.slice(2);
for (const [name, run] of groups) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n== bench: ${name} ==`);
  await run();
}
