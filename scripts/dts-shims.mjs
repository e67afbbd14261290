// Post-build step of `npm run build` (after tsup): the ESM type entries as one-line re-exports of
// the CJS declarations, so the package ships its declarations once (docs/packaging.md, dist/).
//
// tsup writes the full declarations only for the CJS build (`index.d.cts` and its chunks); for every
// subpath of package.json "exports" whose `import` condition names a `.d.ts` and whose `require`
// condition names a `.d.cts`, this writes the `.d.ts` as `export * from './<name>.cjs';`. TypeScript
// resolves './<name>.cjs' to './<name>.d.cts', and an ES module may import a CommonJS declaration
// module under node16, nodenext and bundler resolution (the reverse, require of ESM, only from
// TS 5.8). The `.d.ts` stays an ES module (the package is "type": "module"), so attw and publint see
// per-condition types of the right format, and every TSDoc comment lives in the one copy.
//
// `export *` re-exports everything but a default export, so an entry whose declarations have one (or
// `export =`) fails the build here instead of losing it silently; so does a stray `.d.ts` in dist/.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const fail = (message) => {
  console.error(`dts-shims: ${message}`);
  process.exit(1);
};

const shims = new Set();
for (const [subpath, target] of Object.entries(pkg.exports)) {
  const esm = typeof target === 'object' ? target.import?.types : undefined;
  const cjs = typeof target === 'object' ? target.require?.types : undefined;
  if (esm === undefined && cjs === undefined) continue;
  if (typeof esm !== 'string' || !esm.endsWith('.d.ts') || typeof cjs !== 'string' || !cjs.endsWith('.d.cts') || dirname(esm) !== dirname(cjs)) {
    fail(`exports["${subpath}"]: expected import.types *.d.ts and require.types *.d.cts side by side, got ${esm} and ${cjs}`);
  }
  const declarations = join(root, cjs);
  if (!existsSync(declarations)) fail(`${cjs} is missing (did tsup's CJS dts build run?)`);
  const text = readFileSync(declarations, 'utf8');
  if (/^export\s+(default\b|=)|\bas\s+default\s*[,}]/m.test(text)) {
    fail(`${cjs} has a default export, which \`export *\` would not carry to ${esm}`);
  }
  writeFileSync(join(root, esm), `export * from './${basename(cjs, '.d.cts')}.cjs';\n`);
  shims.add(basename(esm));
}

const dist = join(root, 'dist');
const stray = readdirSync(dist).filter((name) => (name.endsWith('.d.ts') || name.endsWith('.d.mts')) && !shims.has(name));
if (stray.length > 0) fail(`declarations besides the shims in dist/ (a second copy?): ${stray.join(', ')}`);
console.log(`dts-shims: ${[...shims].join(', ')} re-export their .d.cts`);
