/*
 * io_uring conformance: the registration errno table and FIXED_FD_INSTALL, run on the host
 * kernel (conformance/uring.c) and on the model (conformance/uring.ts). Skipped, with the
 * reason, where the host has no io_uring (kernel.io_uring_disabled, seccomp, not Linux) or
 * no C compiler.
 */
import { describe, expect, it } from 'vitest';
import { normaliseHostLine, uringHostLines, uringModelLines } from '../conformance/uring.js';

const host = uringHostLines();
const skip = 'skip' in host ? host.skip : null;
if (skip !== null) console.warn(`io_uring conformance skipped: ${skip}`);

describe('io_uring conformance (model side)', () => {
  it('runs every case on the model with the audit clean', () => {
    const lines = uringModelLines();
    expect(lines.length).toBeGreaterThan(50);
    expect(lines).toContain('install-default fd cloexec');
    expect(lines).toContain('install-no-cloexec fd nocloexec');
  });
});

describe.skipIf(skip !== null)('io_uring conformance with the host kernel', () => {
  it('0 divergences: registration errno, direct open/close and FIXED_FD_INSTALL', () => {
    if ('skip' in host) return;
    expect(uringModelLines()).toEqual(host.lines.map(normaliseHostLine));
  });
});
