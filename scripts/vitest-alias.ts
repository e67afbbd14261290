import { fileURLToPath } from 'node:url';

const src = (path: string): string => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/**
 * Resolve the package's own specifiers to the sources, as tsconfig.json `paths` does for tsc and
 * tsx: tests and benches can import examples (which import 'fdlab') without a build.
 */
export const fdlabAlias = [
  { find: /^fdlab$/, replacement: src('index.ts') },
  { find: /^fdlab\/pidfd$/, replacement: src('plugins/pidfd/index.ts') },
  { find: /^fdlab\/scenarios$/, replacement: src('scenarios/index.ts') },
  { find: /^fdlab\/testing$/, replacement: src('testing/index.ts') },
  { find: /^fdlab\/extend$/, replacement: src('extend.ts') },
];
