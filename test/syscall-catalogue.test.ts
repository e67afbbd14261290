import { Sys } from 'fdlab';
import { CORE_SYSCALLS } from 'fdlab/extend';
import { describe, expect, it } from 'vitest';

/** Sys members that are not system calls with plain arguments. */
const NOT_GENERATED = new Set(['constructor', 'process', 'fileOf']);

describe('the syscall catalogue', () => {
  it('lists every stepped core system call, so generated soundness tests cover new ones', () => {
    const methods = Object.getOwnPropertyNames(Sys.prototype).filter((m) => !NOT_GENERATED.has(m));
    const listed = new Set(CORE_SYSCALLS.map((s) => s.method));
    expect(methods.filter((m) => !listed.has(m))).toEqual([]);
    expect([...listed].filter((m) => !methods.includes(m))).toEqual([]);
  });
});
