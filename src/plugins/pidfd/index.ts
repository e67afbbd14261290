/**
 * `fdlab/pidfd`: pidfd_open(), pidfd_getfd(), kcmp() and seccomp user-notification add-fd, as
 * a plugin built on fdlab's public API.
 *
 * @packageDocumentation
 * @module fdlab/pidfd
 */
export { pidfd, PIDFD_SYSCALLS, type PidfdApi, type PidfdSys } from './plugin.js';
export type { PidfdOptions } from './options.js';
export { PIDFD_NONBLOCK, PIDFD_THREAD, SECCOMP_ADDFD_FLAG_SEND, SECCOMP_ADDFD_FLAG_SETFD } from './constants.js';
export { ptraceMayAccess } from './ptrace.js';
export { pidfdFileOperations, pidfdPid, type PidRef } from './pidfd-file.js';
export { pidfdOpenSteps } from './pidfd-open.js';
export { pidfdGetfdSteps } from './pidfd-getfd.js';
export { KCMP_EPOLL_TFD, KCMP_FILE, KCMP_FILES, KCMP_FS, KCMP_IO, KCMP_SIGHAND, KCMP_SYSVSEM, KCMP_VM, kcmpSteps, type KcmpEpollSlot } from './kcmp.js';
export { SeccompListener, notifAddfdSteps, notifRecvSteps, notifSendSteps, seccompTrapSteps, type SeccompAddfd } from './seccomp.js';
// One error class for every entry point (tsup splitting shares it).
export { KernelError } from '../../index.js';
