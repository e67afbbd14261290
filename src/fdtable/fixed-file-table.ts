import { fputDeferred } from '../file/fput.js';
import { F_COUNT, type RefFile } from '../file/ref-file.js';
import type { FputContext } from '../file/world.js';
import type { Traceable } from '../sim/engine.js';
import { KernelError } from '../sim/kernel-error.js';
import { access } from '../sim/step.js';
import type { FdtableWorld } from './world.js';

/** Field of the table as a whole: nr, the bitmap, alloc_hint and the allocation range. @internal */
const TABLE = 0;
/** Field of slot 0; slot `i` is field `SLOT0 + i`. @internal */
const SLOT0 = 1;
/** Field of a node's `refs`. @internal */
const NODE_REFS = 0;

/**
 * One resource node: what an occupied slot of a {@link FixedFileTable} points to. It owns
 * the slot's one file reference (unless {@link borrowed}), and requests that use the
 * file take node references, not file references; the file is put when the last node
 * reference goes — after the slot was cleared or replaced, if requests were still in
 * flight.
 *
 * Models `struct io_rsrc_node` of a file slot in io_uring/rsrc.h (v6.13+, one node per
 * slot, 7029acd8a950): `refs` starts at 1 for the table, +1 per request
 * (io_req_assign_rsrc_node()), freed at 0 by io_free_rsrc_node() (fput, and a tag CQE if
 * `tag` is set).
 *
 * @example
 * ```ts
 * import { Kernel, FixedFileTable, O_RDONLY } from 'fdlab';
 * const k = new Kernel();
 * const t = new FixedFileTable(k, 'ring#1.file_table');
 * t.allocTables(2);
 * t.install(0, k.vfs.openFile('/data/log', O_RDONLY), 0, { taskWork: [] });
 * t.lookup(0)!.refs; // 1: the table's
 * ```
 */
export class RsrcNode implements Traceable {
  /** Engine object id (its field 0 is `refs`). */
  readonly simId: number;
  /** References: 1 for the table while the slot holds the node, +1 per request using it. */
  refs = 1;
  /** Generation of the file when it was installed (a different one means the memory was reused). */
  readonly fileGen: number;

  /**
   * @param table - the table the node belongs to
   * @param slot - the slot it was installed in
   * @param file - the file (`node->file_ptr`)
   * @param tag - the registration tag (0: none)
   * @param borrowed - the node holds no file reference of its own (an skb owns it: the 2019–2023 SCM designs)
   */
  constructor(readonly table: FixedFileTable, readonly slot: number, readonly file: RefFile, readonly tag: number, readonly borrowed: boolean) {
    this.fileGen = file.gen;
    this.simId = table.world.engine.register(this);
  }

  /** True while the file this node was given is still that incarnation of live memory. */
  get fileValid(): boolean {
    return this.file.live && this.file.gen === this.fileGen;
  }

  /** @internal */
  simName(): string {
    return `${this.table.name}.node[${this.slot}].refs`;
  }

  /** @internal */
  simCount(): number {
    return this.refs;
  }

  /** @internal */
  simLabel(): string {
    return `${this.table.name}.node[${this.slot}]`;
  }

  /** @internal */
  simOwner(): number {
    return this.table.simId;
  }
}

/**
 * A private table of file slots with no fd numbers and no files_struct: each occupied
 * slot owns one file reference (through its {@link RsrcNode}); slots may be empty
 * (sparse); an allocation range with a lowest-free search from a hint hands out slots;
 * clearing or replacing a slot releases the old file only once the requests that use it
 * have put their node references. The audit sees its references through
 * {@link heldFiles}, named by table and slot.
 *
 * Models io_uring's fixed ("registered", "direct") file table (io_uring/rsrc.c,
 * io_uring/filetable.c, v6.13+): `ctx->file_table` (`io_rsrc_data` nodes, `bitmap`,
 * `alloc_hint`), `file_alloc_start` / `file_alloc_end`; io_alloc_file_tables(),
 * io_free_file_tables(), io_fixed_file_set() + io_file_bitmap_set(), io_reset_rsrc_node(),
 * io_file_bitmap_get(), io_file_table_set_alloc_range(), io_rsrc_node_lookup(),
 * io_put_rsrc_node(). It knows nothing about rings: io_uring (the `fdlab/io-uring`
 * plugin) and other simulations build on it.
 *
 * Every method is one atomic effect and records what it touches: the table as a whole
 * (nr, bitmap, hint, range) is one location, each slot another, each node's `refs` a
 * third; {@link tableAccess}, {@link slotAccess} and {@link nodeAccess} give the
 * declarations. The caller holds whatever lock serialises the table (io_uring:
 * `ctx->uring_lock`).
 *
 * @example
 * ```ts
 * import { Kernel, FixedFileTable, O_RDONLY } from 'fdlab';
 * const k = new Kernel();
 * const ctx = { taskWork: [] };
 * const t = new FixedFileTable(k, 'ring#1.file_table');
 * k.owners.add(() => t.heldFiles());
 * t.allocTables(4);
 * const slot = t.allocSlot();                                   // 0: lowest free in range
 * t.install(slot, k.vfs.openFile('/data/log', O_RDONLY), 0, ctx); // the slot owns the reference
 * const inFlight = t.getNode(slot)!;                            // a request pins the node
 * t.remove(slot, ctx);                                          // the slot is free again...
 * inFlight.file.live;                                           // ...but the file lives on
 * t.putNode(inFlight, ctx);                                     // last node reference: fput
 * ```
 */
export class FixedFileTable implements Traceable {
  /** Engine object id. */
  readonly simId: number;
  /** Display name, e.g. `ring#1.file_table`. */
  readonly name: string;
  /** The world the table lives in. */
  readonly world: FdtableWorld;
  /** Called when a node is freed (its last reference put): io_uring posts the tag CQE. */
  onNodeFree: ((node: RsrcNode) => void) | null = null;
  private nodes: Array<RsrcNode | null> = [];
  private start = 0;
  private end = 0;
  private hint = 0;
  private used = 0;
  private readonly retired = new Set<RsrcNode>();

  /**
   * @param world - the kernel world
   * @param name - display name (owners in audits are named after it)
   */
  constructor(world: FdtableWorld, name: string) {
    this.world = world;
    this.name = name;
    this.simId = world.engine.register(this);
  }

  /** The access of the table as a whole (nr, bitmap, alloc_hint, range). */
  tableAccess(write: boolean): number {
    return access(this.simId, TABLE, write);
  }

  /** The access of slot `slot` (a slot beyond any table is the table itself). */
  slotAccess(slot: number, write: boolean): number {
    return Number.isInteger(slot) && slot >= 0 && slot < 2 ** 20 ? access(this.simId, SLOT0 + slot, write) : access(this.simId, TABLE, false);
  }

  /** The access of a node's `refs` (a request's get or put writes it). */
  nodeAccess(node: RsrcNode): number {
    return access(node.simId, NODE_REFS, true);
  }

  /** Slots in the table (`file_table.data.nr`); 0 when none is registered. */
  get size(): number {
    this.world.engine.read(this.simId, TABLE);
    return this.nodes.length;
  }

  /** Occupied slots. */
  get occupied(): number {
    this.world.engine.read(this.simId, TABLE);
    return this.used;
  }

  /** The allocation range `[start, end)` (`file_alloc_start`, `file_alloc_end`). */
  get allocRange(): readonly [number, number] {
    this.world.engine.read(this.simId, TABLE);
    return [this.start, this.end];
  }

  /** Nodes cleared or replaced out of their slot while requests still held them. */
  get retiredNodes(): readonly RsrcNode[] {
    return [...this.retired];
  }

  /**
   * io_alloc_file_tables(): an empty table of `nr` slots, allocation range the whole table
   * (io_file_table_set_alloc_range(ctx, 0, nr)). Throws EBUSY if a table exists, EINVAL
   * for a size that is not a positive integer.
   */
  allocTables(nr: number): void {
    const e = this.world.engine;
    e.write(this.simId, TABLE);
    if (this.nodes.length > 0) throw new KernelError('EBUSY', 'io_alloc_file_tables', `${this.name} is already registered`);
    if (!Number.isInteger(nr) || nr <= 0) throw new KernelError('EINVAL', 'io_alloc_file_tables', `bad table size ${nr}`);
    this.nodes = new Array<RsrcNode | null>(nr).fill(null);
    this.used = 0;
    this.setAllocRange(0, nr);
    if (e.tracing) e.effect('io_alloc_file_tables', this.simId, TABLE, 0, nr);
  }

  /**
   * io_free_file_tables(): puts every slot's node (a file goes when its node's last
   * reference does) and leaves no table. Throws ENXIO if there is none.
   */
  freeTables(ctx: FputContext): void {
    const e = this.world.engine;
    e.write(this.simId, TABLE);
    if (this.nodes.length === 0) throw new KernelError('ENXIO', 'io_free_file_tables', `${this.name} has no table`);
    for (let i = 0; i < this.nodes.length; i++) if (this.nodes[i] !== null) this.clearSlot(i, ctx);
    const nr = this.nodes.length;
    this.nodes = [];
    this.start = this.end = this.hint = 0;
    if (e.tracing) e.effect('io_free_file_tables', this.simId, TABLE, nr, 0);
  }

  /** io_rsrc_node_lookup(): the node in `slot`, or null (empty, or beyond the table). No reference taken. */
  lookup(slot: number): RsrcNode | null {
    const e = this.world.engine;
    e.read(this.simId, TABLE);
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.nodes.length) return null;
    e.read(this.simId, SLOT0 + slot);
    return this.nodes[slot]!;
  }

  /**
   * io_install_fixed_file() / io_fixed_file_set(): puts `file` in `slot` in a new node,
   * consuming the caller's reference (or, with `borrowed`, taking none: another owner
   * keeps it); an occupied slot is replaced (its node put). Throws ENXIO without a
   * table, EINVAL past its end.
   */
  install(slot: number, file: RefFile, tag: number, ctx: FputContext, borrowed = false): RsrcNode {
    const e = this.world.engine;
    e.write(this.simId, TABLE);
    if (this.nodes.length === 0) throw new KernelError('ENXIO', 'io_install_fixed_file', `${this.name} has no table`);
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.nodes.length) throw new KernelError('EINVAL', 'io_install_fixed_file', `slot ${slot} beyond ${this.nodes.length}`);
    e.write(this.simId, SLOT0 + slot);
    if (this.nodes[slot] !== null) this.clearSlot(slot, ctx);
    const node = new RsrcNode(this, slot, file, tag, borrowed);
    this.nodes[slot] = node;
    this.used++;
    this.hint = slot + 1;
    if (e.tracing) e.effect('io_fixed_file_set', this.simId, SLOT0 + slot, undefined, undefined, { file: file.simId, fileGen: file.gen, note: borrowed ? 'borrowed' : 'owns a reference' });
    return node;
  }

  /**
   * io_reset_rsrc_node() + io_file_bitmap_clear(): empties `slot`, putting its node.
   * Throws ENXIO without a table, EINVAL past its end, EBADF for an empty slot (the
   * errno of io_fixed_fd_remove()).
   */
  remove(slot: number, ctx: FputContext): void {
    const e = this.world.engine;
    e.write(this.simId, TABLE);
    if (this.nodes.length === 0) throw new KernelError('ENXIO', 'io_fixed_fd_remove', `${this.name} has no table`);
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.nodes.length) throw new KernelError('EINVAL', 'io_fixed_fd_remove', `slot ${slot} beyond ${this.nodes.length}`);
    e.write(this.simId, SLOT0 + slot);
    if (this.nodes[slot] === null) throw new KernelError('EBADF', 'io_fixed_fd_remove', `slot ${slot} is empty`);
    this.clearSlot(slot, ctx);
  }

  /**
   * io_file_get_fixed(): the node in `slot` with one more reference (the request's), or
   * null for an empty slot or one beyond the table.
   */
  getNode(slot: number): RsrcNode | null {
    const node = this.lookup(slot);
    if (node === null) return null;
    const e = this.world.engine;
    e.write(node.simId, NODE_REFS);
    node.refs++;
    if (e.tracing) e.effect('io_req_assign_rsrc_node', node.simId, NODE_REFS, node.refs - 1, node.refs);
    return node;
  }

  /**
   * io_put_rsrc_node(): drops one node reference; the last one frees the node —
   * io_free_rsrc_node(): fput() of its file (deferred to `ctx`'s task work when it was
   * the last file reference) and `onNodeFree` (the tag CQE).
   */
  putNode(node: RsrcNode, ctx: FputContext): void {
    const e = this.world.engine;
    e.write(node.simId, NODE_REFS);
    if (node.refs <= 0) {
      e.report('refcount-underflow', `io_put_rsrc_node on ${node.simLabel()} whose refs are 0`, node.simLabel());
      return;
    }
    node.refs--;
    if (e.tracing) e.effect('io_put_rsrc_node', node.simId, NODE_REFS, node.refs + 1, node.refs);
    if (node.refs > 0) return;
    this.retired.delete(node);
    if (!node.borrowed) {
      e.write(node.file.simId, F_COUNT);
      fputDeferred(ctx, node.file);
    }
    this.onNodeFree?.(node);
  }

  /**
   * io_file_bitmap_get(): the first free slot from `alloc_hint` to the end of the
   * allocation range, then (once) from the range's start up to the old hint. As in the
   * kernel the hint is where the last slot was cleared or past the last one set, so a
   * slot cleared below the range is found first. Throws ENFILE when there is no table or
   * nothing is free. The slot is not taken until {@link install}.
   */
  allocSlot(): number {
    this.world.engine.write(this.simId, TABLE);
    if (this.nodes.length === 0) throw new KernelError('ENFILE', 'io_file_bitmap_get', `${this.name} has no table`);
    let nr = this.end;
    for (;;) {
      for (let i = this.hint; i < nr; i++) if (this.nodes[i] === null) return i;
      if (this.hint === this.start) break;
      nr = this.hint;
      this.hint = this.start;
    }
    throw new KernelError('ENFILE', 'io_file_bitmap_get', `no free slot in [${this.start}, ${this.end}) of ${this.name}`);
  }

  /**
   * io_file_table_set_alloc_range(): slots for {@link allocSlot} are `[off, off + len)`.
   * Throws EINVAL past the table (io_register_file_alloc_range()).
   */
  setAllocRange(off: number, len: number): void {
    const e = this.world.engine;
    e.write(this.simId, TABLE);
    if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 || off + len > this.nodes.length) {
      throw new KernelError('EINVAL', 'io_register_file_alloc_range', `range [${off}, ${off + len}) beyond ${this.nodes.length} slots`);
    }
    this.start = off;
    this.end = off + len;
    this.hint = off;
  }

  /**
   * The references the table holds, one `[file, owner]` per node that owns one: a slot
   * (`ring#1.file_table[3]`) or a node already cleared out of its slot that requests
   * still hold. An owner source for `kernel.owners`.
   */
  *heldFiles(): Generator<readonly [RefFile, string]> {
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i];
      if (n !== null && n !== undefined && !n.borrowed) yield [n.file, `${this.name}[${i}]`];
    }
    for (const n of this.retired) {
      if (!n.borrowed) yield [n.file, `${this.name} node of old slot ${n.slot} (${n.refs} in-flight request reference(s))`];
    }
  }

  /** What is wrong with the nodes: a live node whose file memory was freed or reused. */
  problems(): string[] {
    const out: string[] = [];
    const check = (n: RsrcNode, where: string) => {
      if (!n.fileValid) out.push(`${where} points to ${n.file.simLabel(n.fileGen)}, which was freed${n.file.live ? ` and reused as ${n.file.name}` : ''} (use-after-free: ${n.borrowed ? 'the node borrowed the reference' : 'the node owns a reference'})`);
      if (n.refs <= 0) out.push(`${where} has refs ${n.refs}`);
    };
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i];
      if (n !== null && n !== undefined) check(n, `${this.name}[${i}]`);
    }
    for (const n of this.retired) check(n, `${this.name} node of old slot ${n.slot}`);
    return out;
  }

  private clearSlot(slot: number, ctx: FputContext): void {
    const node = this.nodes[slot]!;
    this.nodes[slot] = null;
    this.used--;
    this.hint = slot;
    const e = this.world.engine;
    if (e.tracing) e.effect('io_reset_rsrc_node', this.simId, SLOT0 + slot, undefined, undefined, { file: node.file.simId, fileGen: node.fileGen });
    if (node.refs > 1) this.retired.add(node);
    this.putNode(node, ctx);
  }

  /** @internal */
  simName(field: number): string {
    return field === TABLE ? `${this.name}.table` : `${this.name}[${field - SLOT0}]`;
  }

  /** @internal */
  simCount(field: number): number | undefined {
    if (field === TABLE) return this.nodes.length;
    const n = this.nodes[field - SLOT0];
    return n ? n.file.count : undefined;
  }

  /** @internal */
  simLabel(): string {
    return this.name;
  }
}
