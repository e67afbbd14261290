/**
 * `fdlab/testing`: what a scenario author needs in tests — park a thread at a step
 * ({@link stepUntil}), finish it ({@link stepToEnd}), turn a failed call into its errno
 * ({@link catchErrno} in a thread body, {@link errnoOf} around a plain call), and assert
 * a scenario's verdict under a policy ({@link expectVerdict}). Runner-agnostic: the
 * helpers throw Errors, so they work with vitest, node:test, jest or mocha.
 *
 * @packageDocumentation
 * @module fdlab/testing
 */
export { stepToEnd, stepUntil } from './step.js';
export { catchErrno, errnoOf } from './errno.js';
export { expectVerdict } from './verdict.js';
