/**
 * `fdlab/io-uring`: io_uring's rings, fixed (registered, direct) files, io-wq workers and
 * the ops whose file lifetime matters, as a plugin built on fdlab's public API.
 *
 * @packageDocumentation
 * @module fdlab/io-uring
 */
export { ioUring, URING_SYSCALLS, type UringApi, type UringSys } from './plugin.js';
export { Ring, isUringFile, ringOfFile, uringFileOperations, type Cqe, type Sqe } from './ring.js';
export { ioUringSetupSteps } from './setup.js';
export { ioUringRegisterSteps, type FileIndexRange, type RegisterArg, type RsrcRegister, type RsrcUpdate } from './register.js';
export { ioUringEnterSteps, type EnterResult } from './requests.js';
export * from './constants.js';
// One error class for every entry point (tsup splitting shares it).
export { KernelError } from '../../index.js';
