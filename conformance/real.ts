import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRNO } from '../src/index.js';
import { formatCall, type FdRow, type Obs, type Program } from './program.js';
import { treeSpec } from './tree.js';

const ERRNO_NAME = new Map<number, string>(Object.entries(ERRNO).map(([k, v]) => [v, k]));

/** Why the host side cannot run here, or null if it can (Linux with a C compiler). */
export function hostUnavailable(): string | null {
  if (process.platform !== 'linux') return `the host is ${process.platform}, not Linux`;
  try {
    execFileSync(process.env.CC ?? 'gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return `no C compiler (${process.env.CC ?? 'gcc'}) on PATH: install gcc and libc6-dev`;
  }
  return null;
}

/** The compiled runner and its scratch root; `dispose()` removes both. */
export interface Host {
  readonly exe: string;
  readonly root: string;
  dispose(): void;
}

/**
 * Compiles conformance/runner.c with the system compiler into a temp directory. Static
 * if libc.a is there (an exec'ed runner then needs no fds for the dynamic loader, which
 * matters after the program lowered RLIMIT_NOFILE), else dynamic.
 */
export function buildHost(): Host {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-conformance-'));
  const src = fileURLToPath(new URL('./runner.c', import.meta.url));
  const exe = join(dir, 'runner');
  const cc = process.env.CC ?? 'gcc';
  try {
    execFileSync(cc, ['-static', '-O2', '-o', exe, src], { stdio: 'pipe' });
  } catch {
    execFileSync(cc, ['-O2', '-o', exe, src], { stdio: 'pipe' });
  }
  // The scratch tree is rebuilt before every program: on tmpfs that costs a fraction of
  // what it costs on a journalling filesystem. FDLAB_CONFORMANCE_ROOT picks another place.
  const base = process.env.FDLAB_CONFORMANCE_ROOT ?? (isWritableDir('/dev/shm') ? '/dev/shm' : null);
  const rootDir = base !== null ? mkdtempSync(join(base, 'fdlab-conformance-')) : dir;
  const root = join(rootDir, 'root');
  return {
    exe,
    root,
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      if (rootDir !== dir) rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

function isWritableDir(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The fds the runner must scan: every fd number the program names, and as many as it can allocate. */
function scanLimit(p: Program): number {
  let max = 0;
  const at = (a: number | string | undefined) => {
    if (typeof a === 'number' && a >= 0 && a < 4096) max = Math.max(max, a + 1);
  };
  for (const c of p) {
    if (c.op === 'dup2' || c.op === 'dup3') at(c.args[1]);
    if (c.op === 'fcntl' && (c.args[1] === 0 || c.args[1] === 1030)) at(c.args[2]);
  }
  // Every other new fd is the lowest free one: at most two per call (pipe2).
  return Math.min(4096, max + 2 * p.length + 8);
}

interface RawLine { op: string; r: number; e: number; x?: unknown; t?: [number, number, number, string, string, number | null, number][] }

/** Runs programs on the host kernel, in one runner process; returns each program's observations. */
export function runHost(host: Host, programs: readonly Program[]): Obs[][] {
  const spec = treeSpec();
  const input = programs.map((p) => `BEGIN ${scanLimit(p)} ${spec}\n${p.map(formatCall).join('\n')}\nEND\n`).join('');
  const r = spawnSync(host.exe, [host.root], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runner failed (${r.status ?? r.signal}): ${r.stderr}`);
  const out: Obs[][] = [];
  const lines = r.stdout.split('\n');
  let i = 0;
  for (const p of programs) {
    const begin = JSON.parse(lines[i++]!) as RawLine;
    const roleOf = new Map<number, number>([[begin.r, 0]]);
    const obs: Obs[] = [];
    for (const c of p) {
      const raw = JSON.parse(lines[i++]!) as RawLine;
      obs.push(normalise(raw, roleOf));
      if (c.op === 'fork' && raw.r > 0) {
        roleOf.set(raw.r, Number(c.args[0]));
        obs[obs.length - 1] = { ...obs[obs.length - 1]!, ret: Number(c.args[0]) };
        const start = JSON.parse(lines[i++]!) as RawLine;
        obs.push(normalise(start, roleOf));
      }
    }
    if (lines[i++] !== 'END') throw new Error(`runner output out of step at line ${i}: ${lines[i - 1]}`);
    out.push(obs);
  }
  return out;
}

function normalise(raw: RawLine, roleOf: Map<number, number>): Obs {
  const err = raw.r < 0 ? (raw.e === ERRNO.EINTR ? 'BLOCK' : ERRNO_NAME.get(raw.e) ?? `E${raw.e}`) : null;
  let ret = raw.r < 0 ? -1 : raw.r;
  if (raw.op === 'wait' && ret > 0) ret = roleOf.get(ret) ?? -2;
  if (raw.op === 'start') ret = roleOf.get(ret) ?? -2;
  // getdents64 answers bytes of dirents (with . and ..); both sides compare the names.
  if (raw.op === 'getdents' && ret >= 0) ret = Array.isArray(raw.x) ? raw.x.length : 0;
  let x = raw.x;
  if (raw.op === 'lock' && Array.isArray(x)) x = [x[0], x[1], x[2], x[3] === 0 ? null : roleOf.get(x[3] as number) ?? -2];
  const table: FdRow[] | undefined = raw.t?.map((row) => [row[0], row[1], row[2], row[3], row[4], row[4] === 'reg' ? row[5] : null, row[6]] as const);
  return { op: raw.op, ret, err, ...(x === undefined ? {} : { x }), ...(table === undefined ? {} : { table }) };
}
