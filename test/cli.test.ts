/*
 * The `fdlab` command end to end, run as a child process from source (tsx), exactly as
 * the built bin runs: list, explore (--json on a racy and a clean scenario), replay,
 * every renderer, and bad usage (exit status 2).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function fdlab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fdlab command', () => {
  it('list names every shipped scenario with its expected verdicts', () => {
    const r = fdlab('list', '--json');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; before: unknown; after: unknown }>;
    expect(rows.map((x) => x.name)).toContain('pidfd-getfd-fpos');
    expect(rows.find((x) => x.name === 'pidfd-getfd-fpos')).toMatchObject({ before: ['fpos-race'], after: 'clean' });
    expect(fdlab('list').stdout).toMatch(/exec-posix-locks\s+before: assertion/);
  });

  it('explore --json on the racy policy: exit 1, the violation with a replayable minimal schedule', () => {
    const r = fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ scenario: 'pidfd-getfd-fpos', strategy: 'dpor', exhaustive: true });
    expect(out.policy.fdgetPos).toBe('when-shared');
    expect(out.violations[0].kind).toBe('fpos-race');
    const replayed = fdlab('replay', 'pidfd-getfd-fpos', out.violations[0].minimalSchedule, '--policy', 'before', '--json');
    expect(replayed.status).toBe(1);
    expect(JSON.parse(replayed.stdout).violations[0].kind).toBe('fpos-race');
  });

  it('explore --json on the fixed policy: exit 0, exhaustive, no violations; same input, same bytes', () => {
    const a = fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'after', '--json');
    expect(a.status).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ exhaustive: true, violations: [] });
    expect(fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'after', '--json').stdout).toBe(a.stdout);
  });

  it('--policy accepts presets and key=value lists', () => {
    const r = fdlab('explore', 'fget-stale-recycle', '--policy', 'linux-6.7,fgetRecheck=none', '--json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).violations[0].kind).toBe('stale-file');
  });

  it.each(['text', 'mermaid', 'dot', 'json', 'html'])('replay --render %s writes the picture', (kind) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdlab-cli-'));
    const out = join(dir, `pic.${kind}`);
    const r = fdlab('replay', 'pidfd-getfd-fpos', '0.0.0.0.0.1', '--policy', 'before', '--render', kind, '--out', out);
    expect(r.status).toBe(1);
    expect(existsSync(out)).toBe(true);
    const text = readFileSync(out, 'utf8');
    const marker = { text: 'file_needs_f_pos_lock', mermaid: 'sequenceDiagram', dot: 'digraph', json: '"fdlab-trace"', html: '<!DOCTYPE html>' }[kind]!;
    expect(text).toContain(marker);
  });

  it('explore --render writes the minimal failing trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdlab-cli-'));
    const out = join(dir, 'race.mmd');
    expect(fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--render', 'mermaid', '--out', out).status).toBe(1);
    expect(readFileSync(out, 'utf8')).toContain('fpos-race');
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['explore']],
    [['explore', 'no-such-scenario']],
    [['explore', 'pidfd-getfd-fpos', '--strategy', 'bogo']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'fdgetPos=sometimes']],
    [['explore', 'pidfd-getfd-fpos', '--max-runs', 'many']],
    [['explore', 'pidfd-getfd-fpos', '--render', 'png', '--out', '/tmp/x']],
    [['explore', 'pidfd-getfd-fpos', '--render', 'text']],
    [['replay', 'pidfd-getfd-fpos']],
    [['replay', 'pidfd-getfd-fpos', '9.9.9']],
    [['list', '--wat']],
    [['explore', 'toString']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'toString']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'toString=1']],
    [['explore', 'pidfd-getfd-fpos', '--policy', 'fileRefMax=1.5']],
    [['explore', 'pidfd-getfd-fpos', '--workers', '0']],
    [['explore', 'pidfd-getfd-fpos', '--shard', '2/2']],
    [['explore', 'pidfd-getfd-fpos', '--shard', 'x']],
    [['merge']],
    [['merge', '/nonexistent/shard.json']],
  ])('bad usage %j → exit 2 with a message', (args) => {
    const r = fdlab(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/fdlab: |usage:/);
  });

  it('explore --workers 2 merges shards run in worker threads into the single-worker verdict', () => {
    const one = JSON.parse(fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--json').stdout) as { exhaustive: boolean; outcomes: Array<{ outcome: string }>; violations: Array<{ kind: string }> };
    const r = fdlab('explore', 'pidfd-getfd-fpos', '--policy', 'before', '--workers', '2', '--json');
    expect(r.status).toBe(1);
    const two = JSON.parse(r.stdout) as typeof one & { shards: number };
    expect(two.shards).toBe(2);
    expect(two.exhaustive).toBe(one.exhaustive);
    expect(two.outcomes.map((o) => o.outcome).sort()).toEqual(one.outcomes.map((o) => o.outcome).sort());
    expect(two.violations.map((v) => v.kind)).toEqual(one.violations.map((v) => v.kind));
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
