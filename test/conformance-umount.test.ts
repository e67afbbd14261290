/*
 * umount2 conformance: errno order, busy and lazy unmounts, MNT_EXPIRE's mark, a mount
 * covering a directory, run on the host kernel in a private mount namespace
 * (conformance/umount.c) and on the model (conformance/umount.ts). Skipped, with the
 * reason, where the host cannot make a mount namespace (no CAP_SYS_ADMIN), has no C
 * compiler, or is not Linux.
 */
import { describe, expect, it } from 'vitest';
import { UMOUNT_CASES, umountHostLines, umountModelLines } from '../conformance/umount.js';

const host = umountHostLines();
const skip = 'skip' in host ? host.skip : null;
if (skip !== null) console.warn(`umount2 conformance skipped: ${skip}`);

describe('umount2 conformance (model side)', () => {
  it('runs every case on the model with the audit clean after each', () => {
    const lines = umountModelLines((k) => expect(k.audit().problems).toEqual([]));
    expect(lines.map((l) => l.length)).toEqual(UMOUNT_CASES.map((c) => c.length));
    // Not vacuous: every answer umount2 can give appears.
    const all = lines.flat();
    for (const e of ['-EINVAL', '-ENOENT', '-ENOTDIR', '-EPERM', '-EBUSY', '-EAGAIN']) expect(all).toContain(e);
  });
});

describe.skipIf(skip !== null)('umount2 conformance with the host kernel', () => {
  it('0 divergences, call by call', () => {
    if ('skip' in host) return;
    const model = umountModelLines();
    const diffs: string[] = [];
    UMOUNT_CASES.forEach((c, i) => c.forEach((call, j) => {
      if (host.lines[i]![j] !== model[i]![j]) diffs.push(`case ${i} call ${j} (${call}): host ${host.lines[i]![j]}, model ${model[i]![j]}`);
    }));
    expect(diffs).toEqual([]);
  });
});
