/*
 * The `fdlab` command end to end: the bin runs as a child process from source (tsx), as
 * the built bin runs, on shipped scenarios and on users' scenario modules (ESM, CJS, and
 * TypeScript through the user's own loader); main() runs in process for the cases that
 * only need its output. Every exit status: 0 clean and exhaustive, 1 violation, 2 usage,
 * 3 run-time error, 4 nothing found by a search that was not exhaustive.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressLine } from '../src/cli/commands.js';
import { main } from '../src/cli/main.js';
import { compileCacheDir, loadWithCompileCache } from '../src/cli/compile-cache.js';
import { isSearchCommand, namesScenarioModule, WORKER_ARG } from '../src/cli/options.js';

const ROOT = join(import.meta.dirname, '..');
const FIX = 'test/fixtures';

function fdlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** main() in this process, with its output captured and files kept in a map. */
async function inProcess(...argv: string[]) {
  return inProcessTty(false, ...argv);
}

async function inProcessTty(tty: boolean, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const status = await main(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    tty,
    writeFile: (path, content) => {
      if (path.startsWith('/unwritable/')) throw new Error(`EACCES: permission denied, open '${path}'`);
      files.set(path, content);
    },
  });
  return { status, stdout, stderr, files };
}

describe('fdlab on the shipped scenarios', () => {
  it('list names every shipped scenario with its expected verdicts', async () => {
    const r = await inProcess('list', '--json');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; before: unknown; after: unknown }>;
    expect(rows.find((x) => x.name === 'pidfd-getfd-fpos')).toMatchObject({ before: ['fpos-race'], after: 'clean' });
    expect((await inProcess('list')).stdout).toMatch(/exec-posix-locks\s+before: assertion/);
  });

  it('explore --json on the racy policy: exit 1, the violation with a replayable minimal schedule', () => {
    const r = fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ scenario: 'pidfd-getfd-fpos', strategy: 'dpor', exhaustive: true, verdict: 'violation' });
    expect(out.policy.fdgetPos).toBe('when-shared');
    expect(out.violations[0].kind).toBe('fpos-race');
    const replayed = fdlab('replay', 'pidfd-getfd-fpos', out.violations[0].minimalSchedule, '--policy', 'before', '--json');
    expect(replayed.status).toBe(1);
    expect(JSON.parse(replayed.stdout).violations[0].kind).toBe('fpos-race');
  });

  it('explore --json on the fixed policy: exit 0, exhaustive, no violations; same input, same bytes', async () => {
    const a = await inProcess('explore', 'pidfd-getfd-fpos', '--policy', 'after', '--json');
    expect(a.status).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ verdict: 'clean', exhaustive: true, violations: [] });
    expect(a.stderr).toBe(''); // no progress line when stderr is not a terminal
    expect((await inProcess('explore', 'pidfd-getfd-fpos', '--policy', 'after', '--json')).stdout).toBe(a.stdout);
  });

  it('explore --json follows the before/after contract for the epoll scenarios', () => {
    const racy = fdlab('explore', 'epoll-poll-vs-fput', '--policy', 'before', '--json');
    expect(racy.status).toBe(1);
    const out = JSON.parse(racy.stdout);
    expect(out).toMatchObject({ scenario: 'epoll-poll-vs-fput', exhaustive: true });
    expect(out.policy.epollItemPoll).toBe('borrow');
    expect(out.violations.map((v: { kind: string }) => v.kind)).toContain('refcount-inc-on-zero');
    const fixed = fdlab('explore', 'epoll-poll-vs-fput', '--policy', 'after', '--json');
    expect(fixed.status).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ exhaustive: true, violations: [] });
    const busy = fdlab('explore', 'epoll-umount-busy', '--policy', 'before', '--json');
    expect(busy.status).toBe(1);
    expect(JSON.parse(busy.stdout).violations[0].kind).toBe('assertion');
    expect(fdlab('explore', 'epoll-umount-busy', '--policy', 'after', '--json').status).toBe(0);
    expect(fdlab('explore', 'epoll-umount-busy', '--policy', 'linux-6.9,epollItemPoll=epi-fget-nouser', '--json').status).toBe(0);
  });

  it('a bounded search that found nothing exits 4 and says it was not exhaustive', async () => {
    const runs = await inProcess('explore', 'pidfd-getfd-fpos', '--max-runs', '1', '--policy', 'before');
    expect(runs.status).toBe(4);
    expect(runs.stdout).toMatch(/not exhaustive/);
    const time = await inProcess('explore', 'pidfd-getfd-fpos', '--policy', 'after', '--max-time', '0', '--json');
    expect(time.status).toBe(4);
    expect(JSON.parse(time.stdout)).toMatchObject({ verdict: 'not-exhaustive', exhaustive: false, runs: 1 });
    const sampled = await inProcess('explore', 'core-steal-fpos', '--strategy', 'random', '--max-runs', '5');
    expect(sampled.status).toBe(4);
  });

  it('--policy accepts presets and key=value lists', async () => {
    const r = await inProcess('explore', 'fget-stale-recycle', '--policy', 'linux-6.7,fgetRecheck=none', '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).violations[0].kind).toBe('stale-file');
  });

  it.each(['text', 'mermaid', 'dot', 'json', 'html', 'svg'])('replay --render %s --out writes the picture', async (kind) => {
    const r = await inProcess('replay', 'pidfd-getfd-fpos', '0.0.0.0.0.1', '--policy', 'before', '--render', kind, '--out', `pic.${kind}`);
    expect(r.status).toBe(1);
    const marker = { text: 'file_needs_f_pos_lock', mermaid: 'sequenceDiagram', dot: 'digraph', json: '"fdlab-trace"', html: '<!DOCTYPE html>', svg: 'f_pos_lock: P2.T1' }[kind]!;
    expect(r.files.get(`pic.${kind}`)).toContain(marker);
  });

  it('the bin writes --out files', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fdlab-cli-')), 'race.mmd');
    expect(fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--render', 'mermaid', '--out', out).status).toBe(1);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('fpos-race');
  });

  it('--render without --out prints the picture on stdout and the report on stderr', async () => {
    const r = await inProcess('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--render', 'text');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('file_needs_f_pos_lock');
    expect(r.stdout).not.toContain('minimal schedule');
    expect(r.stderr).toContain('minimal schedule');
    const m = await inProcess('replay', 'pidfd-getfd-fpos', '0.0.0.0.0.1', '--policy', 'before', '--render', 'mermaid');
    expect(m.stdout.startsWith('sequenceDiagram')).toBe(true);
  });

  it('an unwritable --out is a run-time error (exit 3), and the result is still printed', async () => {
    const r = await inProcess('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--render', 'html', '--out', '/unwritable/race.html');
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('fpos-race');
    expect(r.stderr).toMatch(/cannot write \/unwritable\/race\.html: EACCES/);
    expect(r.stderr).not.toContain('usage');
  });

  it('a schedule that does not fit the scenario is a run-time error (exit 3) with a clear message', async () => {
    const r = await inProcess('replay', 'pidfd-getfd-fpos', '9.9.9');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/schedule does not fit pidfd-getfd-fpos.*thread 9 cannot run/);
    expect(r.stderr).not.toMatch(/usage|fdlab --help/);
  });
});

describe('fdlab on a user\'s scenario module', () => {
  it('ESM, by export name: the bin explores it (exit 1) and replays the minimal schedule', () => {
    const r = fdlab('explore', `./${FIX}/scenarios.mjs#dupOrder`, '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ scenario: 'dup-order', exhaustive: true });
    expect(out.violations[0]).toMatchObject({ kind: 'assertion', message: 'T1 got fd 2, not 1' });
    const rep = fdlab('replay', `./${FIX}/scenarios.mjs#dupOrder`, out.violations[0].minimalSchedule, '--json');
    expect(rep.status).toBe(1);
    expect(fdlab('replay', `./${FIX}/scenarios.mjs#dupOrder`, '0').status).toBe(0);
  });

  it('CommonJS (module.exports = scenario), and TypeScript through the caller\'s loader', () => {
    const cjs = fdlab('explore', `${FIX}/scenario.cjs`, '--json');
    expect(cjs.status).toBe(1);
    expect(JSON.parse(cjs.stdout).scenario).toBe('cjs-dup-order');
    const ts = fdlab('explore', `${FIX}/typed-scenario.ts`, '--json');
    expect(ts.status).toBe(1);
    expect(JSON.parse(ts.stdout).scenario).toBe('typed-dup-order');
  });

  it('a default export is taken; a clean exhaustive result exits 0', async () => {
    const r = await inProcess('explore', `${FIX}/default-export.mjs`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/default-export: .*\n[\s\S]*verdict: clean in every interleaving/);
    expect((await inProcess('explore', `${FIX}/scenarios.mjs#twoReaders`)).status).toBe(0);
  });

  it('a module that throws while loading, or a setup that throws, is a run-time error (exit 3)', async () => {
    const load = await inProcess('explore', `${FIX}/throws-on-load.mjs`);
    expect(load.status).toBe(3);
    expect(load.stderr).toMatch(/cannot load .*throws-on-load\.mjs: this module is broken/);
    const setup = await inProcess('explore', `${FIX}/setup-throws.mjs`);
    expect(setup.status).toBe(3);
    expect(setup.stderr).toMatch(/exploring setup-throws: .*ENOENT/);
  });

  it.each([
    [[`${FIX}/scenarios.mjs`], /several scenarios \(dupOrder, twoReaders\): pick one with .*#<name>/],
    [[`${FIX}/scenarios.mjs#nope`], /no scenario export 'nope' \(it exports dupOrder, twoReaders\)/],
    [[`${FIX}/no-scenario.mjs`], /exports no scenario/],
    [[`${FIX}/missing.mjs`], /no such file/],
  ])('explore %j is a usage error (exit 2)', async (words, message) => {
    const r = await inProcess('explore', ...words);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('fdlab bisect', () => {
  it('prints each version\'s verdict and the change that fixed the race, exit 1', async () => {
    const r = await inProcess('bisect', 'pidfd-getfd-fpos');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/linux-6\.4 +fpos-race/);
    expect(r.stdout).toMatch(/linux-6\.5-rc +clean/);
    expect(r.stdout).toMatch(/fpos-race: linux-5\.11 \.\. linux-6\.4\n {2}introduced in linux-5\.11 by\n(?: {4}[^\n]*\n)* {4}\* syscalls: v3\.14 → v5\.11 [^\n]*8649c322f75c[^\n]*\n {2}fixed in linux-6\.5-rc by\n {4}\* fdgetPos: when-shared → always {2}20ea1e7d13c1/);
    // execUnshare also changed in linux-5.11, and is not what brought the race.
    expect(r.stdout).toMatch(/\n {6}execUnshare: before-de_thread → after-de_thread/);
  });

  it('marks a version the scenario cannot be set up on as unavailable, in text and JSON', async () => {
    const r = await inProcess('bisect', 'uring-fixed-fpos');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/linux-3\.14 +unavailable +\(setup: io_uring_setup: ENOSYS/);
    const j = JSON.parse((await inProcess('bisect', 'uring-fixed-fpos', '--json')).stdout);
    expect(j.versions[0]).toMatchObject({ preset: 'linux-3.14', verdict: 'unavailable', runs: 0 });
    expect(j.versions[0].unavailable).toMatch(/ENOSYS/);
    expect(j.verdict).toBe('clean');
  });

  it('--json and --with on the bin', () => {
    const r = fdlab('bisect', 'fget-stale-recycle', '--with', 'fgetRecheck=none', '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ scenario: 'fget-stale-recycle', verdict: 'violation', exhaustive: true });
    expect(out.ranges[0]).toMatchObject({ kind: 'stale-file', first: 'linux-6.7', fixedIn: null });
    expect(out.ranges[0].introducedBy[0].origin.commit).toBe('0ede61d8589c');
  });

  it('on a user\'s module: clean in every version exits 0; a bounded bisection that found nothing exits 4', async () => {
    const clean = await inProcess('bisect', `${FIX}/scenarios.mjs#twoReaders`);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/no violation in any version, in every interleaving/);
    const bounded = await inProcess('bisect', 'pidfd-getfd-fpos', '--max-runs', '1', '--json');
    expect(bounded.status).toBe(4);
    expect(JSON.parse(bounded.stdout)).toMatchObject({ verdict: 'not-exhaustive', exhaustive: false });
  });

  it('--with takes switches only; a setup that throws is a run-time error', async () => {
    expect((await inProcess('bisect', 'pidfd-getfd-fpos', '--with', 'linux-6.4')).status).toBe(2);
    expect((await inProcess('bisect', `${FIX}/setup-throws.mjs`)).status).toBe(3);
  });
});

describe('fdlab usage errors', () => {
  it.each([
    [[]],
    [['frobnicate']],
    [['toString']],
    [['explore']],
    [['explore', 'no-such-scenario']],
    [['explore', 'toString']],
    [['explore', 'pidfd-getfd-fpos', '--strategy', 'bogo']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'fdgetPos=sometimes']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'toString']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'toString=1']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'fileRefMax=']],
    [['explore', 'pidfd-getfd-fpos', '--max-runs', 'many']],
    [['explore', 'pidfd-getfd-fpos', '--max-time', '-1']],
    [['explore', 'pidfd-getfd-fpos', '--max-runs']],
    [['explore', 'pidfd-getfd-fpos', '--json=yes']],
    [['explore', 'pidfd-getfd-fpos', '--render', 'png', '--out', '/tmp/x']],
    [['explore', 'pidfd-getfd-fpos', '--render', 'text', '--json']],
    [['explore', 'pidfd-getfd-fpos', '--out', '/tmp/x']],
    [['explore', 'pidfd-getfd-fpos', 'extra']],
    [['replay', 'pidfd-getfd-fpos']],
    [['replay', 'pidfd-getfd-fpos', '0.x.1']],
    [['list', '--wat']],
    [['explore', 'toString']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'toString']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'toString=1']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'fileRefMax=1.5']],
    [['explore', 'pidfd-getfd-fpos', '--workers', '0']],
    [['explore', 'pidfd-getfd-fpos', '--shard', '2/2']],
    [['explore', 'pidfd-getfd-fpos', '--shard', 'x']],
    [['explore', 'pidfd-getfd-fpos', '--shard', '0/2', '--workers', '2']],
    [['merge']],
    [['merge', '/nonexistent/shard.json']],
    [['explore', 'pidfd-getfd-fpos', '--max-runs', '0']],
    [['list', 'extra', 'words']],
    [['bisect']],
    [['bisect', 'pidfd-getfd-fpos', 'extra']],
    [['bisect', 'pidfd-getfd-fpos', '--policy', 'before']],
  ])('%j → exit 2 with a short message and a hint, not the usage dump', async (...args) => {
    const r = await inProcess(...(args[0] as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^fdlab: .+\nsee `fdlab --help`\n$/);
    expect(r.stdout).toBe('');
  });

  it('--help prints the usage with every exit status, exit 0', async () => {
    for (const argv of [['--help'], ['help'], ['explore', '--help'], ['bisect', '-h']]) {
      const r = await inProcess(...argv);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/usage:[\s\S]*0 clean[\s\S]*1 violation[\s\S]*2 bad usage[\s\S]*3 run-time error[\s\S]*4 no violation found/);
    }
  });

  it('on a terminal, stderr carries only progress lines, each redrawn in place and cleared at the end; stdout is unchanged', async () => {
    const plain = await inProcess('explore', 'core-steal-fpos', '--json');
    const tty = await inProcessTty(true, 'explore', 'core-steal-fpos', '--json');
    expect(tty.status).toBe(plain.status);
    expect(tty.stdout).toBe(plain.stdout);
    // ESC [ K (erase to end of line) shown as <EL> so the pattern stays readable.
    const shown = tty.stderr.replaceAll('\x1b[K', '<EL>');
    expect(shown).toMatch(/^(\r\d+ runs \(\d+ runs\/s\), \d+ violation\(s\), \d+\.\d s<EL>)*\r<EL>$/);
  });

  it('the progress line shows runs, rate, violations so far and elapsed time', () => {
    expect(progressLine({ runs: 1500, steps: 40_000, violations: 2, elapsedMs: 3000 })).toBe('1500 runs (500 runs/s), 2 violation(s), 3.0 s');
  });

  it('explore --workers 2 merges shards run in worker threads into the single-worker verdict', () => {
    const one = JSON.parse(fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--json').stdout) as { exhaustive: boolean; outcomes: Array<{ outcome: string }>; violations: Array<{ kind: string }> };
    const r = fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--workers', '2', '--json');
    expect(r.status).toBe(1);
    const two = JSON.parse(r.stdout) as typeof one & { shards: number };
    expect(two.shards).toBe(32); // 16 shards per worker (SHARDS_PER_WORKER), taken one at a time
    expect(two.exhaustive).toBe(one.exhaustive);
    expect(two.outcomes.map((o) => o.outcome).sort()).toEqual(one.outcomes.map((o) => o.outcome).sort());
    expect(two.violations.map((v) => v.kind)).toEqual(one.violations.map((v) => v.kind));
  });

  it('the worker-thread marker on the main thread is not a way into worker mode: it is an unknown command', () => {
    // bin.ts loads node:worker_threads only for a thread marked by WORKER_ARG, and then
    // still asks isMainThread; on the main thread the marker falls through to main().
    const r = fdlab(WORKER_ARG, 'list');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`unknown command '${WORKER_ARG}'`);
  });

  it('explore --shard i/n writes a part; merge combines parts made anywhere, and only a complete set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdlab-shards-'));
    try {
      const files = [0, 1, 2].map((i) => {
        const r = fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'after', '--shard', `${i}/3`);
        expect(r.status).toBe(0);
        const f = join(dir, `${i}.json`);
        writeFileSync(f, r.stdout);
        return f;
      });
      const m = fdlab('merge', ...files);
      expect(m.status).toBe(0);
      expect(m.stdout).toMatch(/3 shard\(s\) merged/);
      expect(m.stdout).toMatch(/verdict: clean in every interleaving/);
      const partial = fdlab('merge', files[0]!, files[2]!);
      expect(partial.status).toBe(2);
      expect(partial.stderr).toMatch(/need shards 0 … 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


describe("the bin's choice of build and its compile cache", () => {
  it('hands a command line to the ESM build only when it names a scenario module', () => {
    expect(namesScenarioModule(['explore', './race.js', '--json'])).toBe(true);
    expect(namesScenarioModule(['replay', 'race.mjs#x', '1.2'])).toBe(true);
    expect(namesScenarioModule(['explore', '--policy', 'before', 'pidfd-getfd-fpos', '--out', './x.html'])).toBe(false);
    expect(namesScenarioModule(['list'])).toBe(false);
    expect(namesScenarioModule(['merge', './a.json'])).toBe(false);
    expect(namesScenarioModule(['explore', '--bogus', './race.js'])).toBe(false); // main() reports it
    expect(isSearchCommand(['bisect', 'x'])).toBe(true);
    expect(isSearchCommand(['list'])).toBe(false);
  });

  /** A directory with a CommonJS module that requires a second one, as dist/ holds the CLI. */
  function withModules(body: (dir: string, cache: string, load: () => unknown) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'fdlab-cc-'));
    const own = join(dir, 'dist');
    const cache = join(dir, 'cache');
    mkdirSync(own);
    mkdirSync(cache);
    writeFileSync(join(own, 'main.cjs'), "'use strict';\nconst { twice } = require('./chunk.cjs');\nexports.answer = twice(21);\nexports.file = __filename;\nexports.later = () => import('node:path').then((m) => typeof m.join);\n");
    writeFileSync(join(own, 'chunk.cjs'), "'use strict';\nexports.twice = (x) => x * 2;\n");
    const req = createRequire(join(own, 'x.cjs'));
    const load = () => {
      for (const k of Object.keys(req.cache)) if (k.startsWith(own)) delete req.cache[k];
      return req('./main.cjs');
    };
    try {
      body(own, cache, load);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** One process, as the bin is one: loads main.cjs through the cache and saves at exit. */
  function loadInChild(own: string, cache: string, search: boolean): { answer: number; stats: unknown } {
    const script = `import { loadWithCompileCache } from ${JSON.stringify(join(ROOT, 'src/cli/compile-cache.ts'))};
import { createRequire } from 'node:module';
const r = loadWithCompileCache(${JSON.stringify(own)}, ${JSON.stringify(cache)}, ${search}, () => createRequire(${JSON.stringify(join(own, 'x.cjs'))})('./main.cjs'));
process.once('exit', r.save);
console.log(JSON.stringify({ answer: r.value.answer, stats: r.stats }));`;
    const c = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(c.stderr).toBe('');
    return JSON.parse(c.stdout) as { answer: number; stats: unknown };
  }

  it('compiles its own files with the code a previous process saved, and saves what was missing or refused', () => {
    withModules((own, cache) => {
      expect(loadInChild(own, cache, false)).toEqual({ answer: 42, stats: { hits: 0, misses: 2, rejected: 0 } });
      expect(readdirSync(cache).filter((f) => f.endsWith('.other'))).toHaveLength(2);
      expect(loadInChild(own, cache, false)).toEqual({ answer: 42, stats: { hits: 2, misses: 0, rejected: 0 } });
      // A search command takes the short command's code, then saves its own.
      expect(loadInChild(own, cache, true)).toEqual({ answer: 42, stats: { hits: 2, misses: 0, rejected: 0 } });
      expect(readdirSync(cache).filter((f) => f.endsWith('.search'))).toHaveLength(2);
      // Saved code V8 refuses (here: garbage) is compiled as Node would, and replaced.
      for (const f of readdirSync(cache)) writeFileSync(join(cache, f), 'not V8 code');
      expect(loadInChild(own, cache, true)).toEqual({ answer: 42, stats: { hits: 0, misses: 0, rejected: 2 } });
      expect(loadInChild(own, cache, true)).toEqual({ answer: 42, stats: { hits: 2, misses: 0, rejected: 0 } });
      // An edited file is another entry (its size and modification time are in the key).
      writeFileSync(join(own, 'chunk.cjs'), "'use strict';\nexports.twice = (x) => x + x + 0;\n");
      expect(loadInChild(own, cache, true)).toEqual({ answer: 42, stats: { hits: 1, misses: 1, rejected: 0 } });
    });
  });

  it('removes its hook when the load is done or fails', () => {
    withModules((own, cache, load) => {
      const proto = (Module as unknown as { prototype: { _compile: unknown } }).prototype;
      const before = proto._compile;
      expect(loadWithCompileCache(own, cache, false, load).value).toMatchObject({ answer: 42, file: join(own, 'main.cjs') });
      expect(proto._compile).toBe(before);
      expect(() => loadWithCompileCache(own, cache, false, () => { throw new Error('boom'); })).toThrow('boom');
      expect(proto._compile).toBe(before);
    });
  });

  it('leaves files outside its directory to Node; import() works in the code it compiled', async () => {
    let later: (() => Promise<string>) | undefined;
    withModules((own, cache, load) => {
      const other = loadWithCompileCache(join(own, 'elsewhere'), cache, false, load);
      expect(other.stats).toEqual({ hits: 0, misses: 0, rejected: 0 });
      later = (loadWithCompileCache(own, cache, false, load).value as { later: () => Promise<string> }).later;
    });
    expect(await later!()).toBe('function');
  });

  it('uses no cache when turned off or when the directory is not the user\'s own', () => {
    expect(compileCacheDir({ FDLAB_COMPILE_CACHE: '0' })).toBeUndefined();
    expect(compileCacheDir({ FDLAB_COMPILE_CACHE: 'off' })).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'fdlab-ccdir-'));
    try {
      const mine = compileCacheDir({ FDLAB_COMPILE_CACHE: dir });
      expect(mine).toBe(join(dir, `${process.version}-${process.arch}`));
      expect(statSync(mine!).mode & 0o777).toBe(0o700);
      chmodSync(mine!, 0o777); // writable by others: saved code there could be anyone's
      expect(compileCacheDir({ FDLAB_COMPILE_CACHE: dir })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
