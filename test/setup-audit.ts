/**
 * Vitest setup file: after every test, every kernel the test made with newKernel() must
 * pass kernel.audit() (each live file's count equals its owners, each mount's count its
 * files). A test that leaks on purpose says so with expectLeak().
 */
import { afterEach } from 'vitest';
import { auditCreatedKernels } from './helpers.js';

afterEach(() => {
  auditCreatedKernels();
});
