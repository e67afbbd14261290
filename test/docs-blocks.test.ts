/*
 * Every ```ts block of README.md and the guides in docs/ runs as written: each is written
 * to test/.docs-blocks/ and imported (so `import ... from 'fdlab'` resolves to src/ through
 * scripts/vitest-alias.ts) and type-checked with tsc. A line `expr; // → value` is a claim:
 * it is checked (deep equality with the literal `value`). Links to the repository are
 * absolute and name files that exist. Blocks that start `$ fdlab ...` in ```text show CLI
 * output and are compared with what the command prints.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { DEFAULT_POLICY, POLICY_HISTORY, POLICY_PRESETS, type PolicyValueOrigin } from '../src/index.js';
import { scenarios } from '../src/scenarios/index.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'test/.docs-blocks');
const REPO = 'https://github.com/fdlab/fdlab';
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block {
  readonly doc: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** ```ts file=NAME.ts: saved as NAME.ts so a later block of the same page can import it. */
  readonly file: string | undefined;
}

function blocks(doc: string): Block[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const out: Block[] = [];
  const re = /^```(\w[\w-]*)?([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const file = /\bfile=([\w.-]+\.ts)\b/.exec(m[2]!)?.[1];
    out.push({ doc, line: text.slice(0, m.index).split('\n').length, lang: m[1] ?? '', code: m[3]!, file });
  }
  return out;
}

/** `expr; // → value` becomes a checked claim; everything else is left as written. */
function withClaims(code: string): string {
  return code.split('\n').map((l) => {
    const m = /^(\s*)(.+?);\s*\/\/ → (.+)$/.exec(l);
    if (m === null || /^(const|let|var|import|export|return|if|for|throw)\b/.test(m[2]!)) return l;
    const value = m[3]!.replace(/\s+—.*$/, '').replace(/\s+\(.*\)$/, '');
    return `${m[1]}__claim(${m[2]}, (${value}), ${JSON.stringify(l.trim())});`;
  }).join('\n');
}

const tsBlocks = DOCS.flatMap(blocks).filter((b) => b.lang === 'ts');
const files = new Map<Block, string>();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'claim.ts'), [
  "import { isDeepStrictEqual } from 'node:util';",
  'export function __claim(actual: unknown, expected: unknown, line: string): void {',
  '  if (!isDeepStrictEqual(actual, expected)) throw new Error(`claim failed: ${line}\\n  actual: ${JSON.stringify(actual)}`);',
  '}',
  '',
].join('\n'));
for (const b of tsBlocks) {
  const name = b.file ?? `${b.doc.replace(/[/.]/g, '_')}_L${b.line}.ts`;
  const body = withClaims(b.code);
  if (b.file !== undefined && [...files.values()].includes(join(OUT, name))) throw new Error(`${b.doc}:${b.line}: file=${b.file} used twice`);
  writeFileSync(join(OUT, name), `${body.includes('__claim(') ? "import { __claim } from './claim.js';\n" : ''}${body}\nexport {};\n`);
  files.set(b, join(OUT, name));
}

describe('README and guide code blocks', () => {
  it('there are blocks to run in the README and in every guide', () => {
    for (const doc of DOCS.filter((d) => d !== 'docs/architecture.md' && d !== 'docs/benchmarks.md' && d !== 'docs/packaging.md')) {
      expect(tsBlocks.some((b) => b.doc === doc), `${doc} has no ts block`).toBe(true);
    }
  });

  it.each(tsBlocks.map((b) => [`${b.doc}:${b.line}`, b] as const))('%s runs as written', async (_name, b) => {
    await import(pathToFileURL(files.get(b)!).href);
  });

  it('every block type-checks (strict)', () => {
    const program = ts.createProgram([...files.values()], {
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true, types: ['node'],
      baseUrl: ROOT,
      paths: { fdlab: ['./src/index.ts'], 'fdlab/pidfd': ['./src/plugins/pidfd/index.ts'], 'fdlab/scenarios': ['./src/scenarios/index.ts'], 'fdlab/testing': ['./src/testing/index.ts'], 'fdlab/extend': ['./src/extend.ts'] },
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file !== undefined && d.file.fileName.startsWith(OUT));
    expect(diags.map((d) => `${relative(ROOT, d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
  }, 120_000);
});

describe('CLI output shown in the docs', () => {
  const shown = DOCS.flatMap(blocks).filter((b) => b.lang === 'text' && b.code.startsWith('$ fdlab '));
  it.each(shown.map((b) => [`${b.doc}:${b.line}`, b] as const))('%s is what the command prints', async (_name, b) => {
    const [first, ...rest] = b.code.replace(/\n$/, '').split('\n');
    let stdout = '';
    await main(first!.slice('$ fdlab '.length).split(/\s+/), { stdout: (s) => void (stdout += s), stderr: () => {}, tty: false, writeFile: () => {} });
    expect(stdout.replace(/\n$/, '')).toBe(rest.join('\n'));
  });
});

describe('tables that mirror data', () => {
  it('docs/policies.md lists every policy value with its documented origin', () => {
    const text = readFileSync(join(ROOT, 'docs/policies.md'), 'utf8');
    for (const [key, values] of Object.entries(POLICY_HISTORY)) {
      for (const [value, o] of Object.entries(values as Record<string, PolicyValueOrigin>)) {
        const row = `| \`${key}\` | \`${value}\` | ${o.since} | ${o.commit !== null ? `\`${o.commit}\`` : '—'} ${o.title} | ${o.seed ?? '—'} |`;
        expect(text, `missing or outdated row for ${key}=${value}`).toContain(row);
      }
    }
    for (const [name, preset] of Object.entries(POLICY_PRESETS)) {
      const p = { ...DEFAULT_POLICY, ...preset };
      expect(text).toContain(`| \`${name}\` | \`${p.fdgetPos}\` | \`${p.fgetRecheck}\` | \`${p.execUnshare}\` | \`${String(p.slabTypesafeByRcu)}\` |`);
    }
  });

  it('the README lists every shipped scenario with its expected verdicts', () => {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const v = (x: unknown) => (x === 'clean' ? 'clean' : (x as string[]).join('+').replace(/[+]/g, '\\+'));
    for (const s of Object.values(scenarios)) expect(text).toMatch(new RegExp(`\\| \`${s.name}\` \\| [^|]+ \\| ${v(s.expected!.before)} \\| ${v(s.expected!.after)} \\|`));
  });
});

describe('links', () => {
  it.each(DOCS)('%s: links are absolute repository URLs to files that exist, or web URLs', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const url = m[1]!;
      if (doc === 'README.md') expect(url, `README link ${url} must be absolute (it is read on npm)`).toMatch(/^https:\/\//);
      const RAW = 'https://raw.githubusercontent.com/fdlab/fdlab/main/';
      const inRepo = url.startsWith(`${REPO}/blob/main/`) ? url.slice(`${REPO}/blob/main/`.length)
        : url.startsWith(`${REPO}/tree/main/`) ? url.slice(`${REPO}/tree/main/`.length)
          : url.startsWith(RAW) ? url.slice(RAW.length) : null;
      if (inRepo !== null) expect(existsSync(join(ROOT, inRepo.split('#')[0]!)), `${url} names a file that does not exist`).toBe(true);
      else if (!/^https?:\/\//.test(url) && !url.startsWith('#')) expect(existsSync(join(ROOT, 'docs', url.split('#')[0]!)), `${doc}: ${url} does not exist`).toBe(true);
    }
  });

  it('package.json names the repository the links point to', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { repository: { url: string } };
    expect(pkg.repository.url).toBe(`git+${REPO}.git`);
  });
});
