import type { Inode } from '../file/inode.js';
import type { RefFile } from '../file/ref-file.js';
import type { Engine, Traceable } from '../sim/engine.js';
import type { HookList } from '../sim/hooks.js';
import { Lock } from '../sim/lock.js';
import { access, type KernelPath } from '../sim/step.js';
import { WaitQueue } from '../sim/wait-queue.js';
import type { ErrnoName } from '../sim/errno.js';
import type { TaskWorld } from '../task/world.js';
import type { WalkArrays } from './gc-scc.js';
import type { UnixPolicy } from './policy.js';
import { hookUnix } from './world.js';

/** Field of a UnixSock: sk_receive_queue and its lock (for a listener also the accept queue). @internal */
export const SK_QUEUE = 0;
/** Field of a UnixSock: connection state — peer, sk_shutdown, state, listener link (unix_state_lock). @internal */
export const SK_STATE = 1;
/** Field of a UnixSock: what the collector owns — u->inflight / the vertex, GC flags (unix_gc_lock). @internal */
export const SK_GC = 2;
/** Field of a UnixSock: its address (u->addr, published once by bind(2) and read by receivers of its messages: unix_copy_addr()). @internal */
export const SK_ADDR = 3;
/** Field of the registry: the collector's global state (gc_inflight_list / the graph, unix_tot_inflight, gc_in_progress). @internal */
export const GC_STATE = 0;
/** Field of the registry: the per-user in-flight counters (user->unix_inflight). @internal */
export const GC_USERS = 1;
/** Field of the registry: the table of bound names (unix_table). @internal */
export const UNIX_NAMES = 2;

/** The edge list of a message with none in the graph (shared, never written). */
/**
 * One queued message: its bytes and the files it carries with SCM_RIGHTS, one reference
 * each (`UNIXCB(skb).fp`, a `struct scm_fp_list`). Models `struct sk_buff` as AF_UNIX
 * uses it.
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_DGRAM } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [a, b] = Unix.socketpair(p, SOCK_DGRAM);
 * Unix.sendmsg(p, a, 'hi', [a]);
 * Unix.sockOf(p, b).queue[0]!.files.length; // 1
 * ```
 */
export class Skb {
  /** Sequence number, for names. */
  readonly id: number;
  /** The message bytes not yet read (a stream read consumes from the front). */
  data: string;
  /** The passed files (fpl->fp[]), one reference each; emptied when received or purged. */
  files: RefFile[];
  /** fpl->edges: the first of the graph's edges for the AF_UNIX sockets among the files (chained by `skbNext`), while in flight. @internal */
  edges: GraphEdge | null = null;
  /** The sender's uid (fpl->user), charged for the in-flight files. */
  readonly uid: number;
  /** Freed (kfree_skb): set when received whole, or purged. */
  freed = false;
  /** fpl->inflight: the files are counted in flight (classic) / the edges are in the graph (scc). */
  inflight = false;
  /** The queue the message is on, or null once dequeued. */
  owner: UnixSock | null = null;
  /**
   * The sending socket (skb->sk), or null for a message a plugin queued: a receive copies
   * its address as it is then (unix_copy_addr()), so a name bound after the send shows.
   */
  readonly sender: UnixSock | null;

  /** @internal */
  constructor(id: number, data: string, files: RefFile[], uid: number, sender: UnixSock | null = null) {
    this.id = id;
    this.data = data;
    this.files = files;
    this.uid = uid;
    this.sender = sender;
  }
}

/**
 * An AF_UNIX socket: its type, peer, receive queue of messages, shutdown bits, the
 * accept queue of a listener (embryo sockets, which have no file until accept()), and
 * what the garbage collector keeps on it. Models `struct unix_sock` (net/unix/af_unix.c,
 * include/net/af_unix.h) with its `struct sock`.
 *
 * Memory locations: `SK_QUEUE` (the receive queue and, for a listener, the accept
 * queue), `SK_STATE` (peer, shutdown, state), `SK_GC` (in-flight count and collector
 * marks, under unix_gc_lock), `SK_ADDR` (the address as receivers of its messages read
 * it; bind(2) writes it with the state).
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_STREAM } from 'fdlab';
 * const p = new Kernel().spawnProcess();
 * const [a] = Unix.socketpair(p, SOCK_STREAM);
 * Unix.sockOf(p, a).peer !== null; // true
 * ```
 */
export class UnixSock implements Traceable {
  // The collector's fields first. V8 lays an object's fields out in declaration order,
  // and at 10^5 in-flight sockets every pass of a collection misses the CPU caches on
  // every socket: what the walk, the dead check, the collect step and the purge touch
  // shares the object's first cache lines.
  /** In-flight copies of this socket's file: u->inflight (classic) / vertex->out_degree (scc). */
  inflight = 0;
  /** The scc collector's out-edges (vertex->edges, one per in-flight copy, in send order): the first, or null. @internal */
  firstEdge: GraphEdge | null = null;
  /** The last out-edge. @internal */
  lastEdge: GraphEdge | null = null;
  /** The socket's slot in the registry's vertex list while it has a copy in flight. @internal */
  vertexPos = -1;
  /** An embryo's listener (u->listener, cleared at accept()). */
  listener: UnixSock | null = null;
  /** Engine object id. */
  readonly simId: number;
  /** The socket's file (sock->file), or null for an embryo not yet accepted. */
  file: RefFile | null = null;
  private readonly rcvQueue: Skb[] = [];
  private readonly embryos: UnixSock[] = [];
  private peerSk: UnixSock | null = null;
  private skState: 'unconnected' | 'listening' | 'connected' | 'closed' = 'unconnected';
  private skShutdown = 0;
  private err: 'ECONNRESET' | null = null;
  private released = false;
  /** Ghost state: the collector purged this socket as garbage. @internal */
  collected = false;
  /** Ghost state: the collector run that found the socket dead (the registry's gcRuns then), and where in that run's garbage. @internal */
  garbageRun = 0;
  /** @internal */
  garbagePos = 0;
  /** Display name, e.g. `unix#2`. */
  readonly name: string;
  /** SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET. */
  readonly type: number;
  /** The bound address (abstract names start with '\0'), if any; an accepted socket has its listener's. */
  addr: string | null = null;
  /** The socket inode a bind to a path made (it stays in the namespace after the socket goes). */
  pathInode: Inode | null = null;
  /** listen() backlog. */
  backlog = 0;
  /** sk->sk_wq: readers, stream writers waiting for send space, and pollers. */
  readonly wq: WaitQueue;
  /**
   * u->peer_wait: datagram and seqpacket senders waiting for room in this socket's
   * queue (unix_wait_for_peer()); a receive wakes it, not sk_wq, so the receiver's own
   * pollers see no EPOLLOUT edge from it.
   */
  readonly peerWait: WaitQueue;
  /** Classic: UNIX_GC_CANDIDATE. @internal */
  gcCandidate = false;
  /** Classic: UNIX_GC_MAYBE_CYCLE. @internal */
  gcMaybeCycle = false;
  /** Ghost state of the reachability oracle: the epoch it last reached the socket in, and how. @internal */
  reachEpoch = 0;
  /** @internal */
  reachVia: UnixSock | null = null;
  /** @internal */
  reachTable = '';
  /** @internal */
  reachFd = -1;
  /** @internal */
  reachSkb = 0;
  /** The engine the socket lives in. @internal */
  readonly engine: Engine;

  /** @internal */
  constructor(engine: Engine, num: number, type: number) {
    this.engine = engine;
    this.type = type;
    this.name = `unix#${num}`;
    this.simId = engine.register(this);
    this.wq = new WaitQueue(engine, `${this.name}.wq`);
    this.peerWait = new WaitQueue(engine, `${this.name}.peer_wait`);
  }

  /*
   * The socket's state records its accesses where they happen: the queues a read of
   * SK_QUEUE (mutations go through queueMut() / acceptQMut(), a write), the peer, state,
   * shutdown bits, sk_err and death a read or write of SK_STATE — so checked mode holds
   * every AF_UNIX step to its declaration.
   */

  /** sk_receive_queue, oldest first (a recorded read). */
  get queue(): readonly Skb[] {
    this.engine.read(this.simId, SK_QUEUE);
    return this.rcvQueue;
  }

  /** sk_receive_queue, to change it (a recorded write). @internal */
  queueMut(): Skb[] {
    this.engine.write(this.simId, SK_QUEUE);
    return this.rcvQueue;
  }

  /** The listener's queue of embryo sockets, connected and not yet accepted (a recorded read). */
  get acceptQ(): readonly UnixSock[] {
    this.engine.read(this.simId, SK_QUEUE);
    return this.embryos;
  }

  /** The accept queue, to change it (a recorded write). @internal */
  acceptQMut(): UnixSock[] {
    this.engine.write(this.simId, SK_QUEUE);
    return this.embryos;
  }

  /** unix_peer(sk). */
  get peer(): UnixSock | null {
    this.engine.read(this.simId, SK_STATE);
    return this.peerSk;
  }

  /** Sets `peer` (a recorded write). */
  set peer(p: UnixSock | null) {
    this.engine.write(this.simId, SK_STATE);
    this.peerSk = p;
  }

  /** sk_state. */
  get state(): 'unconnected' | 'listening' | 'connected' | 'closed' {
    this.engine.read(this.simId, SK_STATE);
    return this.skState;
  }

  /** Sets `state` (a recorded write). */
  set state(v: 'unconnected' | 'listening' | 'connected' | 'closed') {
    this.engine.write(this.simId, SK_STATE);
    this.skState = v;
  }

  /** sk_shutdown: RCV_SHUTDOWN | SEND_SHUTDOWN. */
  get shutdown(): number {
    this.engine.read(this.simId, SK_STATE);
    return this.skShutdown;
  }

  /** Sets `shutdown` (a recorded write). */
  set shutdown(v: number) {
    this.engine.write(this.simId, SK_STATE);
    this.skShutdown = v;
  }

  /** sk_err, reported once by the next receive on an empty queue (or seqpacket send): ECONNRESET when the peer closed with unread data. */
  get skErr(): 'ECONNRESET' | null {
    this.engine.read(this.simId, SK_STATE);
    return this.err;
  }

  /** Sets `skErr` (a recorded write). */
  set skErr(v: 'ECONNRESET' | null) {
    this.engine.write(this.simId, SK_STATE);
    this.err = v;
  }

  /** Released (unix_release_sock() ran). */
  get dead(): boolean {
    this.engine.read(this.simId, SK_STATE);
    return this.released;
  }

  /** Sets `dead` (a recorded write). */
  set dead(v: boolean) {
    this.engine.write(this.simId, SK_STATE);
    this.released = v;
  }

  /**
   * Connects this socket, which nobody else can see yet (one of a socketpair(), an
   * embryo), to `peer`: not an access. @internal
   */
  connectNew(peer: UnixSock): void {
    this.peerSk = peer;
    this.skState = 'connected';
  }

  /** An access to one of the socket's fields. */
  acc(field: number, write: boolean): number {
    return access(this.simId, field, write);
  }

  /** True for SOCK_STREAM and SOCK_SEQPACKET (connection-oriented). */
  get connOriented(): boolean {
    return this.type !== 2;
  }

  /** @internal */
  simName(field: number): string {
    return `${this.name}.${field === SK_QUEUE ? 'sk_receive_queue' : field === SK_STATE ? 'state' : field === SK_ADDR ? 'addr' : 'inflight'}`;
  }

  /** @internal */
  simLabel(): string {
    return this.name;
  }
}

/**
 * One edge of the scc collector's graph: an in-flight copy of `from`'s file sitting in a
 * message on `to`'s queue. Models `struct unix_edge` (net/unix/garbage.c, v6.10+).
 *
 * @example
 * ```ts
 * import type { Edge } from 'fdlab/extend';
 * const name = (e: Edge) => `${e.from.name} -> ${e.to.name}`;
 * ```
 */
export interface Edge {
  /** The in-flight socket (edge->predecessor). */
  readonly from: UnixSock;
  /** The socket whose queue holds the message (edge->successor). */
  readonly to: UnixSock;
  /** The message. */
  readonly skb: Skb;
}

/**
 * The graph's own edge: an {@link Edge} linked into its socket's out-edges
 * (edge->vertex_entry, a list, so a receive unlinks it in O(1)) and into its message's
 * edges (fpl->edges). @internal
 */
export class GraphEdge implements Edge {
  readonly from: UnixSock;
  readonly to: UnixSock;
  readonly skb: Skb;
  /** The next and previous out-edge of `from`. */
  next: GraphEdge | null = null;
  prev: GraphEdge | null = null;
  /** The next edge of the same message. */
  skbNext: GraphEdge | null = null;

  constructor(from: UnixSock, to: UnixSock, skb: Skb) {
    this.from = from;
    this.to = to;
    this.skb = skb;
  }

  /** Appends the edge to its socket's out-edges. */
  link(): void {
    const u = this.from;
    this.prev = u.lastEdge;
    if (u.lastEdge === null) u.firstEdge = this;
    else u.lastEdge.next = this;
    u.lastEdge = this;
  }

  /** Takes the edge off its socket's out-edges. */
  unlink(): void {
    const u = this.from;
    if (this.prev === null) u.firstEdge = this.next;
    else this.prev.next = this.next;
    if (this.next === null) u.lastEdge = this.prev;
    else this.next.prev = this.prev;
    this.prev = this.next = null;
  }
}

/**
 * What one collector run found: the in-flight sockets it looked at, the components
 * (scc) or candidate set (classic), and what it purged. Kept for the DOT renderer and
 * tests.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * const k = new Kernel();
 * k.unixGc().collected; // []
 * ```
 */
export interface UnixGcReport {
  /** Which collector ran. */
  readonly kind: 'classic' | 'scc';
  /** Components (scc: strongly connected components of size > 1 or with a loop; classic: the candidate set), by socket name. */
  readonly components: readonly (readonly string[])[];
  /** The sockets found dead, by name. */
  readonly collected: readonly string[];
  /** True if another run was in progress and this one did nothing. */
  readonly skipped: boolean;
}

/**
 * The key of abstract name `addr` for a socket of `type`: unix_abstract_hash() mixes the
 * type in, so a stream socket and a datagram socket can both hold `\0x`, and a connect
 * finds only a socket of its own type (host: ECONNREFUSED, not EPROTOTYPE). @internal
 */
export function abstractKey(type: number, addr: string): string {
  return `${type}${addr}`;
}

/**
 * The per-kernel state of the AF_UNIX layer: every socket, the bound names, the
 * collector's lock and lists, the in-flight counters. Models the globals of
 * net/unix/af_unix.c and net/unix/garbage.c (unix_gc_lock, gc_inflight_list,
 * unix_tot_inflight, gc_in_progress, user->unix_inflight).
 *
 * @example
 * ```ts
 * import { Kernel, Unix, SOCK_STREAM } from 'fdlab';
 * const k = new Kernel();
 * const p = k.spawnProcess();
 * Unix.socketpair(p, SOCK_STREAM);
 * k.unix.socks.length; // 2
 * ```
 */
export class UnixRegistry implements Traceable {
  /** Engine object id (fields: the collector's state, the per-user counters, the bound names). */
  readonly simId: number;
  /** unix_gc_lock. */
  readonly gcLock: Lock;
  /** Every socket created (live and released). */
  readonly socks: UnixSock[] = [];
  /** Bound abstract names, keyed by the socket type and the name: each type has its own namespace. */
  readonly names = new Map<string, UnixSock>();
  /** Sockets bound to a path, by the socket inode the bind made. */
  readonly byInode = new Map<Inode, UnixSock>();
  /**
   * gc_inflight_list (classic) / the vertices (scc): sockets with a copy in flight, in
   * order, as a flat array with holes where sockets left (`vertexPos` is a socket's slot),
   * compacted when half of it is holes: removal is one store, and a walk reads the
   * array in order. @internal
   */
  readonly vertices: Array<UnixSock | null> = [];
  /** Holes in {@link vertices}. @internal */
  vertexHoles = 0;
  /** unix_tot_inflight: in-flight copies of AF_UNIX socket files. */
  totInflight = 0;
  /** user->unix_inflight: in-flight files of any type, per uid. */
  readonly userInflight = new Map<number, number>();
  /** gc_in_progress. */
  gcInProgress = false;
  /** Sockets attached to files of other types (a plugin's in-kernel socket, io_uring's 2019 ring_sock). @internal */
  readonly fileSocks = new Map<RefFile, UnixSock>();
  /** What the last collector run found. */
  lastGc: UnixGcReport | null = null;
  /** Files whose last reference a purge dropped, waiting for their __fput (delayed_fput). @internal */
  readonly delayed: RefFile[] = [];
  /** A path is draining {@link delayed}. @internal */
  draining = false;
  /** @internal */
  hooked = false;
  /** The collector (unix_gc()), registered by the AF_UNIX layer on first use; `kernel.unixGc()` runs it. @internal */
  collector: ((w: UnixWorld) => KernelPath<UnixGcReport>) | null = null;
  /** @internal */
  nextSkb = 1;
  /** The scc walk's next index: indices below it belong to earlier walks (unix_vertex_unvisited_index). @internal */
  walkBase = 1;
  /** The scc walk's state over vertex slots (created by the first walk). @internal */
  walkArrays: WalkArrays | null = null;
  /** The reachability oracle's current epoch. @internal */
  reachEpoch = 0;
  /** Collector runs that got past gc_in_progress (ghost: stamps a run's garbage for the detector). @internal */
  gcRuns = 0;
  /** The engine. @internal */
  readonly engine: Engine;

  /** @internal */
  constructor(engine: Engine) {
    this.engine = engine;
    this.simId = engine.register(this);
    this.gcLock = new Lock(engine, 'unix_gc_lock', false);
  }

  /** gc_inflight_list / the vertices: a copy of the sockets with a copy in flight, in order. */
  get inflightList(): ReadonlySet<UnixSock> {
    return new Set(this.inflightSocks());
  }

  /** The sockets with a copy in flight, in order (a new array). @internal */
  inflightSocks(): UnixSock[] {
    const out: UnixSock[] = [];
    for (const u of this.vertices) if (u !== null) out.push(u);
    return out;
  }

  /** How many sockets have a copy in flight. @internal */
  get vertexCount(): number {
    return this.vertices.length - this.vertexHoles;
  }

  /** Adds `u` to the vertex list (its first copy went in flight). @internal */
  addVertex(u: UnixSock): void {
    u.vertexPos = this.vertices.length;
    this.vertices.push(u);
  }

  /**
   * Removes `u` from the vertex list (its last copy left flight). Holes at the end are
   * dropped at once; the rest are compacted away only once they outnumber the live
   * vertices three to one, since compacting renumbers (touches) every live socket.
   * @internal
   */
  removeVertex(u: UnixSock): void {
    const vs = this.vertices;
    vs[u.vertexPos] = null;
    u.vertexPos = -1;
    this.vertexHoles++;
    while (vs.length > 0 && vs[vs.length - 1] === null) {
      vs.pop();
      this.vertexHoles--;
    }
    if (this.vertexHoles <= 3 * (vs.length - this.vertexHoles) + 32) return;
    let n = 0;
    for (const v of vs) {
      if (v === null) continue;
      v.vertexPos = n;
      vs[n++] = v;
    }
    vs.length = n;
    this.vertexHoles = 0;
  }

  /** A new socket of `type`. @internal */
  newSock(type: number): UnixSock {
    const s = new UnixSock(this.engine, this.socks.length + 1, type);
    this.socks.push(s);
    return s;
  }

  /** An access to one of the registry's fields. */
  acc(field: number, write: boolean): number {
    return access(this.simId, field, write);
  }

  /** The in-flight count of `uid`. */
  userCount(uid: number): number {
    return this.userInflight.get(uid) ?? 0;
  }

  /**
   * The invariants of the in-flight accounting, as audit problems: every socket's
   * in-flight count equals the copies of its file in live messages, and each user's
   * count the files it has in flight; no freed message still sits on a queue.
   */
  problems(): string[] {
    const out: string[] = [];
    const copies = new Map<UnixSock, number>();
    const perUser = new Map<number, number>();
    let tot = 0;
    const scan = (s: UnixSock) => {
      for (const skb of s.queue) {
        if (skb.freed) out.push(`freed skb#${skb.id} still on ${s.name}'s queue`);
        if (!skb.inflight) continue;
        perUser.set(skb.uid, (perUser.get(skb.uid) ?? 0) + skb.files.length);
        for (const f of skb.files) {
          const u = unixSockOfFile(f);
          if (u !== null) {
            copies.set(u, (copies.get(u) ?? 0) + 1);
            tot++;
          }
        }
      }
    };
    for (const s of this.socks) scan(s);
    for (const s of this.socks) {
      const n = copies.get(s) ?? 0;
      if (s.inflight !== n) out.push(`${s.name}: in-flight count ${s.inflight} but ${n} copies queued`);
    }
    if (tot !== this.totInflight) out.push(`unix_tot_inflight ${this.totInflight} but ${tot} socket copies queued`);
    for (const [uid, n] of this.userInflight) if (n !== (perUser.get(uid) ?? 0)) out.push(`uid ${uid}: unix_inflight ${n} but ${perUser.get(uid) ?? 0} files queued`);
    return out;
  }

  /** @internal */
  simName(field: number): string {
    return field === GC_STATE ? 'unix_gc_state' : field === GC_USERS ? 'user->unix_inflight' : 'unix_table';
  }
}

/**
 * The socket behind a file (unix_get_socket()), or null for other files.
 *
 * @example
 * ```ts
 * import { Kernel, O_RDONLY, unixSockOfFile } from 'fdlab';
 * unixSockOfFile(new Kernel().vfs.openFile('/data/log', O_RDONLY)); // null
 * ```
 */
export function unixSockOfFile(f: RefFile): UnixSock | null {
  const s = f.privateData;
  if (s instanceof UnixSock) return s;
  const reg = (f.mount.world as { readonly unixIfAny?: UnixRegistry | null }).unixIfAny;
  return reg?.fileSocks.get(f) ?? null;
}

/**
 * Attaches a new in-kernel AF_UNIX socket to a file of another type, so that
 * unix_get_socket() of that file returns it and the collector treats the file as a vertex
 * whose queue it scans: io_uring's 2019 design, where `ctx->ring_sock` made every ring a
 * node of the graph (seed 003). The plugin queues files on it with
 * {@link queueFilesInFlight} and, from its file's `->release`, releases it with
 * `unixReleaseSockSteps()`.
 *
 * @example
 * ```ts
 * import { Kernel, SOCK_DGRAM, unixSockOfFile } from 'fdlab';
 * import { attachUnixSock } from 'fdlab/extend';
 * const k = new Kernel();
 * const f = k.vfs.openAnon('[io_uring]');
 * const sock = attachUnixSock(k, f, SOCK_DGRAM);
 * unixSockOfFile(f) === sock; // true
 * f.fput();
 * ```
 */
export function attachUnixSock(w: UnixWorld, file: RefFile, type: number): UnixSock {
  // The socket's queue holds references the audit must see, and the collector must run.
  hookUnix(w);
  const reg = w.unix;
  const s = reg.newSock(type);
  s.file = file;
  reg.fileSocks.set(file, s);
  return s;
}

/**
 * What the AF_UNIX layer needs from its world. `Kernel` implements it.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdlab';
 * import type { UnixWorld } from 'fdlab/extend';
 * const w: UnixWorld = new Kernel();
 * ```
 */
export interface UnixWorld extends TaskWorld {
  /** Behaviour switches, including the AF_UNIX ones. */
  readonly policy: TaskWorld['policy'] & UnixPolicy;
  /** The AF_UNIX layer's per-kernel state. */
  readonly unix: UnixRegistry;
  /** Reference owners for the audit. */
  readonly owners: HookList<() => Iterable<readonly [RefFile, string]>>;
  /**
   * Checks scm_fp_copy() makes on each file passed with SCM_RIGHTS: the first errno a hook
   * returns refuses the message (io_uring's files from v6.7, 705318a99a13: EINVAL).
   */
  readonly scmRightsChecks: HookList<(file: RefFile) => ErrnoName | null>;
}
