import { MNT_DETACH, O_RDONLY, type Kernel, type KernelPath, type Mount, type RefFile, type Sys, type Task } from '../index.js';
import { defineScenario, type Scenario } from '../explore/scenario.js';
import { umountStep } from './umount-step.js';
import { IORING_REGISTER_FILES, IORING_UNREGISTER_FILES, ioUring, type UringApi } from '../plugins/io-uring/index.js';

function* umount(sys: Sys): KernelPath<string> {
  yield* sys.getpid();
  return yield* umountStep(sys, '/mnt');
}

/**
 * `umount -l`: umount2(MNT_DETACH) always succeeds, and what it leaves behind is read in
 * the same step (do_umount holds mnt_count exclusively): a mount out of every namespace
 * that a file no fd names still keeps alive.
 */
function* umountLazy(sys: Sys, m: Mount): KernelPath<string> {
  yield* sys.getpid();
  yield* sys.umount2('/mnt', MNT_DETACH);
  return m.count > 0 ? `detached, still pinned by ${m.count} file(s)` : 'detached and freed';
}

function* letGo(sys: Sys, u: UringApi, ring: number, how: 'unregister' | 'close'): KernelPath<string> {
  if (how === 'unregister') yield* u.on(sys).register(ring, IORING_UNREGISTER_FILES, null, 0);
  else yield* sys.close(ring);
  return how;
}

/**
 * What the uring-hidden-pin scenario's setup hands its check.
 *
 * @example
 * ```ts
 * import type { UringHiddenPinContext } from 'fdlab/scenarios';
 * const result = (c: UringHiddenPinContext) => c.manager.sim.result;
 * ```
 */
export interface UringHiddenPinContext {
  /** The service manager's thread: it unmounts /mnt. */
  readonly manager: Task;
  /** The thread that unregisters the files (or closes the ring). */
  readonly owner: Task;
  /** The file on /mnt. */
  readonly file: RefFile;
}

function build(k: Kernel, how: 'unregister' | 'close', lazy = false): UringHiddenPinContext {
  const u = k.use(ioUring());
  const m = k.vfs.mount('/mnt', 'tmpfs');
  k.vfs.writeFile('/mnt/state', '1');
  const p = k.spawnProcess({ name: 'P1' });
  const ring = u.setup(p, 8);
  const fd = p.open('/mnt/state', O_RDONLY);
  const file = p.fileOf(fd);
  u.register(p, ring, IORING_REGISTER_FILES, [fd], 1);
  p.close(fd); // every regular fd of the file is closed
  const sm = k.spawnProcess({ name: 'SM', creds: { uid: 0 } });
  const owner = p.thread((sys) => letGo(sys, u, ring, how));
  const manager = sm.thread((sys) => (lazy ? umountLazy(sys, m) : umount(sys)));
  return { manager, owner, file };
}

/**
 * Seed 004, Christian Brauner's doubt about fixed files: "fixed files let you completely
 * hide files" — a process opens a file on a mountable filesystem, registers it in a ring
 * and closes every regular fd; a service manager that sees no open fd unmounts and
 * "fails inexplicably" with EBUSY. Here P1 then closes the ring fd, the last fd it has:
 * every schedule where the umount comes first is EBUSY, and the check holds that a
 * successful umount only happens once the ring's teardown released the slot
 * ({@link uringHiddenPinUnregister} lets go by unregistering instead). No policy changes
 * this — it is the design — so `before` and `after` are the same kernel.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringHiddenPin } from 'fdlab/scenarios';
 * explore(uringHiddenPin, { policy: 'before' }).outcomes.map((o) => o.outcome); // EBUSY and umounted
 * ```
 */
export const uringHiddenPin = /* @__PURE__ */ defineScenario<UringHiddenPinContext>({
  name: 'uring-hidden-pin',
  title: 'a registered file with no fd left keeps its filesystem busy (umount EBUSY)',
  source: 'seed 004: Christian Brauner, "fixed files let you completely hide files"',
  description: 'P1 registers /mnt/state and closes its fd; SM unmounts /mnt while P1 unregisters (or closes the ring): EBUSY until the slot lets go.',
  plugins: [/* @__PURE__ */ ioUring()],
  before: 'current',
  after: 'current',
  expected: { before: 'clean', after: 'clean' },
  setup: (k) => build(k, 'close'),
  check(_k, { manager, file }) {
    if (manager.sim.result === 'umounted' && file.live) throw new Error('umount succeeded while the fixed slot still held a file on /mnt');
  },
  outcome: (_k, { manager, owner }) => `${String(owner.sim.result)}: umount ${String(manager.sim.result)}`,
});

/**
 * {@link uringHiddenPin} with some fields replaced. The spread is inside a function so that
 * the call sites stay side-effect free for a consumer's bundler (an object spread at a call
 * site could run getters, so it would keep every variant in the bundle).
 */
function variantOf(over: Partial<Scenario<UringHiddenPinContext>>): Scenario<UringHiddenPinContext> {
  return defineScenario<UringHiddenPinContext>({ ...uringHiddenPin, ...over });
}

/**
 * {@link uringHiddenPin} where P1 lets go of the file with IORING_UNREGISTER_FILES and
 * keeps its ring: EBUSY until the unregister, then the umount succeeds.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringHiddenPinUnregister } from 'fdlab/scenarios';
 * explore(uringHiddenPinUnregister).exhaustive; // true
 * ```
 */
export const uringHiddenPinUnregister = /* @__PURE__ */ variantOf({
  name: 'uring-hidden-pin-unregister',
  title: 'the hidden pin of a registered file goes with IORING_UNREGISTER_FILES',
  description: 'As uring-hidden-pin, but P1 unregisters the files and keeps the ring open.',
  setup: (k) => build(k, 'unregister'),
});

/**
 * {@link uringHiddenPin} where the service manager, expecting EBUSY, unmounts lazily
 * (`umount -l`, umount2 with MNT_DETACH): the call always succeeds, and when it comes
 * before the ring's teardown the filesystem lives on out of every namespace, pinned by a
 * file that no fd and no path names — "fixed files let you completely hide files", taken
 * one step further. Nothing is leaked (the ring's close frees both), so the verdict is
 * clean; the outcomes show the hidden lifetime.
 *
 * @example
 * ```ts
 * import { explore } from 'fdlab';
 * import { uringHiddenPinLazy } from 'fdlab/scenarios';
 * explore(uringHiddenPinLazy).outcomes.map((o) => o.outcome); // '... still pinned by 1 file(s)' among them
 * ```
 */
export const uringHiddenPinLazy = /* @__PURE__ */ variantOf({
  name: 'uring-hidden-pin-lazy',
  title: 'umount -l of a filesystem a registered file pins: detached, and alive where nothing shows it',
  description: 'As uring-hidden-pin, but SM unmounts with MNT_DETACH: it succeeds at once, and /mnt lives on, out of the namespace, until the ring is closed.',
  setup: (k) => build(k, 'close', true),
  check(_k, { manager, file }) {
    if (String(manager.sim.result).includes('freed') && file.live) throw new Error('the detached mount was freed while the fixed slot still held a file on it');
  },
});
