/*
 * A fixed-case host program of the conformance harness (conformance/uring.c,
 * conformance/umount.c): compiled with the system's C compiler into a scratch directory,
 * run by the caller, and removed again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles `conformance/<name>.c` and calls `run(exe, dir)` with the binary and its scratch
 * directory; the result is what `run` returns, or why the host cannot run the program
 * (not Linux, no compiler). Everything is removed afterwards.
 */
export function withHostProgram<T>(name: string, run: (exe: string, dir: string) => T | { skip: string }): T | { skip: string } {
  if (process.platform !== 'linux') return { skip: `the host is ${process.platform}, not Linux` };
  const dir = mkdtempSync(join(tmpdir(), `fdlab-${name}-`));
  try {
    const exe = join(dir, name);
    try {
      execFileSync(process.env.CC ?? 'gcc', ['-O1', '-o', exe, fileURLToPath(new URL(`./${name}.c`, import.meta.url))], { stdio: 'pipe' });
    } catch (e) {
      return { skip: `cannot compile conformance/${name}.c: ${(e as Error).message.split('\n')[0]}` };
    }
    return run(exe, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
