import parseDot from 'dotparser';
import { describe, expect, it } from 'vitest';
import { O_DIRECTORY, runEngine, traceLog, type Kernel, type Traceable, type TraceEvent, type TraceLog, type TraceObjects, type Violation } from '../src/index.js';
import { pidfd } from '../src/plugins/pidfd/index.js';
import { newKernel } from './helpers.js';
import {
  buildTimeline,
  escapeHtml,
  escapeMermaid,
  eventToJson,
  explainViolation,
  formatCount,
  formatEffect,
  quoteDot,
  ReferenceTracker,
  referencesAt,
  render,
  renderDot,
  renderHtml,
  renderJson,
  renderMermaid,
  renderText,
  scriptJson,
  traceKindOf,
  traceName,
  traceRootOf,
  violationOfEvent,
} from '../src/trace/index.js';

// ---------------------------------------------------------------------------------------
// Hand-built traces over a hand-made object table (ids as an engine would hand them out)

const FILE_FIELDS = ['f_count', 'f_pos', 'f_ep', 'state'];
/** A struct file as the model names it: `file#n`, `file#n@i` for incarnation i. */
function fileObj(num: number): Traceable {
  const label = (gen?: number): string => {
    const i = gen === undefined ? 1 : (gen + 1) >> 1;
    return i > 1 ? `file#${num}@${i}` : `file#${num}`;
  };
  return { simName: (f, gen) => `${label(gen)}.${FILE_FIELDS[f]}`, simLabel: label, simKind: () => 'file' };
}
const filesObj = (name: string): Traceable => ({
  simName: (f) => `${name}.${['count', 'fdt', 'open_fds'][f]}`,
  simCount: (f) => (f === 0 ? 1 : undefined),
  simLabel: () => name,
  simKind: () => 'fdtable',
});
const fdtObj = (table: string, owner: number): Traceable => ({ simName: (fd) => `${table}.fd[${fd}]`, simLabel: () => `${table}.fdt`, simKind: () => 'fdt', simOwner: () => owner });

const FILE1 = 0;
const P1FILES = 1;
const P1FDT = 2;
const P2FILES = 3;
const P2FDT = 4;
const MNT = 5;
const POSLOCK = 6;
const ODD = 7;
const TABLE: Traceable[] = [
  fileObj(1),
  filesObj('P1.files'),
  fdtObj('P1.files', P1FILES),
  filesObj('P2.files'),
  fdtObj('P2.files', P2FILES),
  { simName: () => 'mnt:/', simKind: () => 'mount' },
  { simName: () => 'f_pos_lock of file#1', simKind: () => 'lock', simOwner: () => FILE1 },
  { simName: () => '</script><b>x</b>' },
];
const OBJECTS: TraceObjects = { objectAt: (id) => TABLE[id], threadName: (tid) => (tid < 0 ? 'setup' : `P${tid + 1}.T1`) };

type Ev = Omit<TraceEvent, 'seq'>;

function log(...evs: Ev[]): TraceLog {
  return traceLog(
    OBJECTS,
    evs.map((e, seq) => ({ seq, ...e })),
  );
}

const setup = (fn: string, objId: number, field: number | undefined, extra: Partial<Ev> = {}): Ev => ({ step: 0, tid: -1, thread: 'setup', kind: 'effect', fn, objId, field, ...extra });
const eff = (step: number, tid: number, fn: string, objId: number, field: number | undefined, extra: Partial<Ev> = {}): Ev => ({
  step,
  tid,
  thread: `P${tid + 1}.T1`,
  kind: 'effect',
  fn,
  objId,
  field,
  ...extra,
});
const stp = (step: number, tid: number, fn: string, objs: TraceEvent['objs'] = []): Ev => ({ step, tid, thread: `P${tid + 1}.T1`, kind: 'step', fn, objs });
const vio = (step: number, tid: number, kind: string, obj: string, note: string): Ev => ({ step, tid, thread: `P${tid + 1}.T1`, kind: 'violation', fn: kind, obj, note });
const file1 = { file: FILE1, fileGen: 1 };

/** A file shared through two tables, an f_pos race, a close and a free. */
function handTrace(): TraceLog {
  return log(
    setup('alloc_fd', P1FDT, 3, { detail: { note: 'reserved' } }),
    setup('alloc_file', FILE1, 0, { gen: 1, before: 0, after: 1, detail: { path: '/srv' } }),
    setup('fd_install', P1FDT, 3, { detail: file1 }),
    eff(1, 1, 'file_ref_get', FILE1, 0, { gen: 1, before: 1, after: 2 }),
    stp(1, 1, 'file_ref_get', [{ objId: FILE1, field: 0, write: true, before: 1, after: 2 }]),
    eff(2, 1, 'alloc_fd', P2FDT, 0, { detail: { note: 'reserved' } }),
    eff(2, 1, 'fd_install', P2FDT, 0, { detail: file1 }),
    stp(2, 1, 'fd_install', [{ objId: P2FDT, field: 0, write: true }]),
    stp(3, 0, 'f_pos:read', [{ objId: FILE1, field: 1, write: false, before: 0, after: 0 }]),
    vio(4, 1, 'fpos-race', 'file#1', 'f_pos of file#1 updated by P1.T1 and P2.T1 concurrently; P1.T1 skipped f_pos_lock because f_count was 1 at fdget_pos'),
    stp(4, 1, 'f_pos:read', [{ objId: FILE1, field: 1, write: false, before: 0, after: 0 }]),
    // A plain call after step 4 (same step number, after the step event).
    eff(4, 0, 'file_close_fd', P1FDT, 3, { detail: file1 }),
    eff(4, 0, 'fput', FILE1, 0, { gen: 1, before: 2, after: 1 }),
    eff(5, 1, 'file_close_fd', P2FDT, 0, { detail: file1 }),
    eff(5, 1, 'fput', FILE1, 0, { gen: 1, before: 1, after: 0 }),
    eff(5, 1, '__fput', FILE1, undefined, { gen: 1, detail: { note: 'begin' } }),
    eff(5, 1, 'file_free', FILE1, undefined, { gen: 2, detail: { note: 'memory back to filp_cachep' } }),
    stp(5, 1, 'close', [{ objId: P2FDT, field: 0, write: true }]),
  );
}

// ---------------------------------------------------------------------------------------
// A real race: seed 000, pidfd_getfd() steals a directory fd while getdents() runs unlocked

function seed000(schedule = '0.0.0.0.1'): Kernel {
  const k = newKernel({ policy: 'linux-6.4' });
  const pf = k.use(pidfd());
  const p1 = k.spawnProcess({ name: 'P1' });
  const fd = p1.open('/srv', O_DIRECTORY);
  const p2 = k.spawnProcess({ name: 'P2', creds: { uid: 0 } });
  p1.thread(function* (sys) {
    return yield* sys.getdents(fd, 2);
  });
  p2.thread(function* (sys) {
    const s = pf.on(sys);
    const pfd = yield* s.pidfdOpen(p1.pid, 0);
    const stolen = yield* s.pidfdGetfd(pfd, fd, 0);
    return yield* sys.getdents(stolen, 2);
  });
  runEngine(k.engine, { kind: 'schedule', schedule });
  return k;
}

/** Two processes read one directory fd shared by fork() (f_pos_lock is taken: no race). */
function forkRead(): Kernel {
  const k = newKernel();
  const p1 = k.spawnProcess();
  const fd = p1.open('/srv', O_DIRECTORY);
  const p2 = p1.fork();
  p1.thread(function* (sys) {
    yield* sys.getdents(fd, 2);
  });
  p2.thread(function* (sys) {
    yield* sys.getdents(fd, 2);
    yield* sys.close(fd);
  });
  runEngine(k.engine, { kind: 'round-robin' });
  return k;
}

// ---------------------------------------------------------------------------------------
// Validity checkers

/** Parses DOT with dotparser (throws on a syntax error) and returns node ids and edges. */
function dotGraph(text: string): { nodes: Map<string, Map<string, string>>; edges: Array<[string, string]> } {
  const ast = parseDot(text);
  expect(ast).toHaveLength(1);
  const nodes = new Map<string, Map<string, string>>();
  const edges: Array<[string, string]> = [];
  const walk = (stmts: readonly unknown[]): void => {
    for (const s of stmts as Array<{ type: string; [k: string]: unknown }>) {
      if (s.type === 'node_stmt') {
        const id = String((s['node_id'] as { id: string | number }).id);
        const attrs = new Map<string, string>();
        // Graphviz reads `\n` in a quoted string as a line break.
        for (const a of s['attr_list'] as Array<{ id: string | number; eq: unknown }>) attrs.set(String(a.id), String(a.eq).replace(/\\n/g, '\n'));
        nodes.set(id, attrs);
      } else if (s.type === 'edge_stmt') {
        const list = s['edge_list'] as Array<{ id: string | number }>;
        for (let i = 1; i < list.length; i++) edges.push([String(list[i - 1]!.id), String(list[i]!.id)]);
      } else if (s.type === 'subgraph') {
        walk(s['children'] as unknown[]);
      }
    }
  };
  walk(ast[0]!.children);
  return { nodes, edges };
}

/** A line-level check of the sequenceDiagram subset renderMermaid writes (the browser test runs mermaid.parse). */
function checkMermaid(text: string): void {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('sequenceDiagram');
  const declared = new Set<string>();
  for (const raw of lines.slice(1)) {
    const l = raw.trim();
    let m: RegExpExecArray | null;
    let label: string;
    if ((m = /^participant ([A-Za-z][A-Za-z0-9]*) as (.+)$/.exec(l)) !== null) {
      declared.add(m[1]!);
      label = m[2]!;
    } else if ((m = /^([A-Za-z][A-Za-z0-9]*)(->>|-->>|-\))([A-Za-z][A-Za-z0-9]*): (.*)$/.exec(l)) !== null) {
      expect(declared.has(m[1]!), l).toBe(true);
      expect(declared.has(m[3]!), l).toBe(true);
      label = m[4]!;
    } else if ((m = /^Note over ([A-Za-z0-9]+)(?:,([A-Za-z0-9]+))?: (.*)$/.exec(l)) !== null) {
      expect(declared.has(m[1]!), l).toBe(true);
      if (m[2] !== undefined) expect(declared.has(m[2]), l).toBe(true);
      label = m[3]!;
    } else if ((m = /^title (.+)$/.exec(l)) !== null) {
      label = m[1]!;
    } else {
      throw new Error(`unexpected mermaid line: ${l}`);
    }
    // Label text carries no raw character the grammar reads: only #NN; entity codes.
    expect(label.replace(/#[0-9]+;/g, ''), l).not.toMatch(/[;#<>:]/);
  }
}

// ---------------------------------------------------------------------------------------

describe('format helpers', () => {
  it('formats counts, names and effects from structured records', () => {
    expect(formatCount(3)).toBe('3');
    expect(formatCount(Infinity)).toBe('∞');
    expect(formatCount(Infinity, { ascii: true })).toBe('inf');
    expect(formatCount(undefined)).toBe('?');
    expect(traceName(OBJECTS, P1FDT, 12)).toBe('P1.files.fd[12]');
    expect(traceName(OBJECTS, FILE1)).toBe('file#1');
    expect(traceName(OBJECTS, FILE1, 1, 5)).toBe('file#1@3.f_pos');
    expect(traceName(OBJECTS, 99)).toBe('#99');
    expect(traceName(OBJECTS, 99, 2)).toBe('#99.2');
    expect(traceRootOf(OBJECTS, P1FDT)).toBe(P1FILES);
    expect(traceRootOf(OBJECTS, POSLOCK)).toBe(FILE1);
    expect(traceRootOf(OBJECTS, MNT)).toBe(MNT);
    expect(traceKindOf(OBJECTS, P2FDT)).toBe('fdt');
    expect(traceKindOf(OBJECTS, ODD)).toBe('other');
    const [a, , c] = handTrace();
    const o = { objects: OBJECTS };
    expect(formatEffect(a!, o)).toBe('alloc_fd P1.files.fd[3] (reserved)');
    expect(formatEffect(c!, o)).toBe('fd_install P1.files.fd[3] ← file#1');
    expect(formatEffect(c!, { ...o, ascii: true })).toBe('fd_install P1.files.fd[3] <- file#1');
    expect(formatEffect({ seq: 0, step: 1, tid: 0, thread: 'T', kind: 'effect', fn: 'get_file', objId: FILE1, field: 0, gen: 1, before: 1, after: 2 }, o)).toBe('file#1.f_count 1→2');
    expect(formatEffect({ seq: 0, step: 1, tid: 0, thread: 'T', kind: 'effect', fn: 'get_file', objId: FILE1, field: 0, gen: 3, before: 1, after: 2 }, o)).toBe('file#1@2.f_count 1→2');
    expect(formatEffect({ seq: 0, step: 1, tid: 0, thread: 'T', kind: 'effect', fn: 'alloc_file', objId: FILE1, field: 0, before: 0, after: 1, detail: { path: '/srv' } }, o)).toBe(
      'file#1.f_count 0→1 (alloc_file /srv)',
    );
    expect(formatEffect({ seq: 0, step: 1, tid: 0, thread: 'T', kind: 'effect', fn: 'lock', objId: POSLOCK, field: 0, detail: { note: 'mutex_lock' } }, o)).toBe(
      'mutex_lock f_pos_lock of file#1',
    );
    const d = (detail: TraceEvent['detail'], fn = 'x', objId = P2FILES): TraceEvent => ({ seq: 0, step: 0, tid: 0, thread: 'T', kind: 'effect', fn, objId, detail });
    expect(formatEffect(d({ from: P1FILES }, 'dup_fd'), o)).toBe('dup_fd P2.files (copy of P1.files)');
    expect(formatEffect(d({ lockType: 1, owner: P1FILES }, 'posix_lock_file'), o)).toBe('posix_lock_file P2.files (F_WRLCK by P1.files)');
    expect(formatEffect(d({ thread: 1, note: 'killed' }, 'de_thread'), o)).toBe('de_thread P2.T1 (killed)');
    expect(formatEffect(d({ thread: 1 }, 'exit'), o)).toBe('exit P2.files (last thread P2.T1 exited)');
    // Without an object table the ids show through; nothing is guessed from strings.
    expect(formatEffect(c!)).toBe('fd_install #2.3 ← #0');
  });
});

describe('buildTimeline', () => {
  it('attaches effects and violations to the step whose event follows them', () => {
    const tl = buildTimeline(handTrace());
    expect(tl.threads).toEqual([
      { tid: 0, name: 'P1.T1' },
      { tid: 1, name: 'P2.T1' },
    ]);
    const kinds = tl.rows.map((r) => (r.kind === 'step' ? `s${r.step}` : `p:${r.event.fn}`));
    expect(kinds).toEqual(['p:alloc_fd', 'p:alloc_file', 'p:fd_install', 's1', 's2', 's3', 's4', 'p:file_close_fd', 'p:fput', 's5']);
    const s2 = tl.rows[4]!;
    expect(s2.kind === 'step' && s2.effects.map((e) => e.fn)).toEqual(['alloc_fd', 'fd_install']);
    const s4 = tl.rows[6]!;
    expect(s4.kind === 'step' && s4.violations.map((e) => e.fn)).toEqual(['fpos-race']);
    const s5 = tl.rows[9]!;
    expect(s5.kind === 'step' && [s5.fn, s5.thread, s5.effects.length]).toEqual(['close', 'P2.T1', 4]);
  });

  it('handles an empty log', () => {
    expect(buildTimeline([])).toEqual({ threads: [], rows: [] });
    expect(renderText([])).toBe('step  changes\n----  -------\n');
  });
});

describe('renderText', () => {
  it('writes one line per step with the function in its thread column', () => {
    const text = renderText(handTrace());
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^step {2}P1\.T1 +P2\.T1 +changes$/);
    const col2 = lines[0]!.indexOf('P2.T1');
    const s1 = lines.find((l) => /^ +1 {2}/.test(l))!;
    expect(s1.indexOf('file_ref_get')).toBe(col2);
    expect(s1).toContain('file#1.f_count 1→2');
    const s3 = lines.find((l) => /^ +3 {2}/.test(l))!;
    expect(s3.indexOf('f_pos:read')).toBe(6);
    expect(text).toContain('  !!  fpos-race: f_pos of file#1 updated by P1.T1 and P2.T1 concurrently;');
    // The violation line follows step 4.
    const i4 = lines.findIndex((l) => /^ +4 {2}/.test(l));
    expect(lines[i4 + 1]).toMatch(/^ +!! {2}fpos-race: /);
    // Plain effects name their context.
    expect(text).toContain('   ·  setup: file#1.f_count 0→1 (alloc_file /srv)');
    expect(text).toContain('   ·  P1.T1: file#1.f_count 2→1');
    expect(text).toContain('file#1.f_count 1→0, __fput file#1 (begin), file_free file#1 (memory back to filp_cachep)');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('is deterministic and honours its options', () => {
    const a = renderText(handTrace());
    expect(renderText(handTrace())).toBe(a);
    const noPlain = renderText(handTrace(), { plain: false });
    expect(noPlain).not.toContain('·');
    expect(noPlain).toContain('!!  fpos-race'); // violations stay
    const ascii = renderText(handTrace(), { ascii: true, touched: true });
    expect(ascii).toMatch(/^[\x20-\x7e\n]*$/);
    expect(ascii).toContain('[w file#1.f_count 1->2]');
    const narrow = renderText(handTrace(), { maxColumnWidth: 6 });
    expect(narrow).toContain('file_…');
  });
});

describe('renderMermaid', () => {
  it('draws threads and touched objects as participants, steps as arrows, violations as notes', () => {
    const text = renderMermaid(handTrace(), { title: 'race; #1' });
    checkMermaid(text);
    expect(text).toContain('  title race#59; #35;1');
    expect(text).toContain('  participant S as setup');
    expect(text).toContain('  participant T0 as P1.T1');
    expect(text).toContain('  participant T1 as P2.T1');
    expect(text).toContain('as file#35;1\n');
    expect(text).toMatch(/T1->>O\d+: 1 file_ref_get file#35;1\.f_count 1→2/);
    expect(text).toMatch(/T0-->>O\d+: 3 f_pos#58;read/);
    expect(text).toMatch(/Note over T1,O\d+: !! fpos-race#58; f_pos of file#35;1 updated by P1\.T1 and P2\.T1 concurrently#59; P1\.T1 skipped/);
    expect(renderMermaid(handTrace(), { title: 'race; #1' })).toBe(text);
    const noPlain = renderMermaid(handTrace(), { plain: false });
    checkMermaid(noPlain);
    expect(noPlain).not.toContain('participant S');
    expect(noPlain).not.toContain('-)');
  });

  it('escapes characters the grammar reads', () => {
    expect(escapeMermaid('a;b#c<d>e\nf')).toBe('a#59;b#35;c#60;d#62;e f');
  });
});

describe('renderDot and the reference model', () => {
  it('draws slots, files and counts as valid DOT', () => {
    const events = handTrace();
    const at2 = dotGraph(renderDot(events, { atStep: 2 }));
    expect(at2.edges).toEqual([
      ['P1.files.fd[3]', 'file#1'],
      ['P2.files.fd[0]', 'file#1'],
    ]);
    expect(at2.nodes.get('file#1')?.get('label')).toBe('file#1\n/srv\nf_count 2');
    const at1 = dotGraph(renderDot(events, { atStep: 1 }));
    // f_count 2 but one slot: the other reference belongs to a thread (fget) → unowned.
    expect(at1.nodes.get('file#1')?.get('label')).toContain('unowned refs: 1');
    expect(at1.nodes.get('P2.files.fd[0]')).toBeUndefined();
    const end = dotGraph(renderDot(events));
    expect(end.edges).toEqual([]);
    expect(end.nodes.get('file#1')?.get('label')).toBe('file#1\n/srv\nf_count 0\nfreed');
    expect(end.nodes.get('file#1')?.get('style')).toBe('dashed');
    const at0 = dotGraph(renderDot(events, { atStep: 0 }));
    expect(at0.edges).toEqual([['P1.files.fd[3]', 'file#1']]);
  });

  it('tracks reserved slots, dup_fd copies, table counts, locks, mounts and missing references', () => {
    const events = log(
      setup('mount', MNT, 0, { after: 0, detail: { note: 'rootfs' } }),
      setup('mntget', MNT, 0, { before: 0, after: 1 }),
      setup('alloc_file', FILE1, 0, { gen: 1, before: 0, after: 1, detail: { path: '/data/"odd"\\name' } }),
      setup('alloc_fd', P1FDT, 0, { detail: { note: 'reserved' } }),
      setup('fd_install', P1FDT, 0, { detail: file1 }),
      setup('alloc_fd', P1FDT, 1, { detail: { note: 'reserved' } }),
      setup('get_file', FILE1, 0, { gen: 1, before: 1, after: 2 }),
      setup('dup_fd', P2FILES, undefined, { detail: { from: P1FILES } }),
      setup('copy_files(CLONE_FILES)', P2FILES, 0, { before: 1, after: 2 }),
      setup('expand_fdtable', P2FILES, 1, { before: 64, after: 128 }), // not a count
      setup('lock', POSLOCK, 0, { detail: { note: 'mutex_lock' } }),
      setup('fput', FILE1, 0, { gen: 1, before: 2, after: 1 }), // a bug: two slots, one reference
    );
    const s = referencesAt(events);
    expect(s.tables).toEqual([
      {
        name: 'P1.files',
        count: undefined,
        slots: [
          { fd: 0, name: 'P1.files.fd[0]', file: 'file#1' },
          { fd: 1, name: 'P1.files.fd[1]', file: undefined },
        ],
      },
      { name: 'P2.files', count: 2, slots: [{ fd: 0, name: 'P2.files.fd[0]', file: 'file#1' }] },
    ]);
    expect(s.files).toEqual([
      { name: 'file#1', count: 1, path: '/data/"odd"\\name', pos: 0, state: 'open', slots: ['P1.files.fd[0]', 'P2.files.fd[0]'], unowned: 0, missing: 1 },
    ]);
    expect(s.mounts).toEqual([{ name: 'mnt:/', count: 1 }]);
    expect(s.locks).toEqual([{ name: 'f_pos_lock of file#1', holder: 'setup', file: 'file#1' }]);
    const dot = renderDot(events, { mounts: true, title: 'a "quoted" title' });
    const g = dotGraph(dot);
    expect(g.nodes.get('file#1')?.get('label')).toContain('slots without refs: 1');
    expect(g.nodes.get('P1.files.fd[1]')?.get('label')).toBe('fd 1\nreserved');
    expect(g.nodes.get('mnt:/')?.get('label')).toBe('mnt:/\nmnt_count 1');
    expect(g.edges).toContainEqual(['lock:f_pos_lock of file#1', 'file#1']);
    expect(quoteDot('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });

  it('rejects broken DOT (the checker works)', () => {
    expect(() => parseDot('digraph { "a" -> }')).toThrow();
  });

  it('ReferenceTracker applies events one at a time', () => {
    const t = new ReferenceTracker(OBJECTS);
    const events = handTrace();
    const counts: Array<number | undefined> = [];
    for (const e of events) {
      t.apply(e);
      counts.push(t.snapshot().files[0]?.count);
    }
    expect(counts).toEqual([undefined, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0]);
  });
});

describe('renderJson', () => {
  it('writes stable pretty JSON with metadata', () => {
    const events = handTrace();
    const json = renderJson(events, { zeta: 1, alpha: { b: [1, undefined, Infinity], a: 'x' }, skip: undefined });
    expect(renderJson(handTrace(), { alpha: { a: 'x', b: [1, undefined, Infinity] }, zeta: 1 })).toBe(json);
    expect(json.startsWith('{\n  "format": "fdlab-trace",\n  "version": 2,\n  "meta": {\n    "alpha": {\n      "a": "x",')).toBe(true);
    const doc = JSON.parse(json) as { meta: unknown; objects: unknown[]; events: Array<{ [k: string]: unknown }> };
    expect(doc.meta).toEqual({ alpha: { a: 'x', b: [1, null, 'Infinity'] }, zeta: 1 });
    expect(doc.events).toHaveLength(events.length);
    expect(Object.keys(doc.events[1]!)).toEqual(['seq', 'step', 'tid', 'thread', 'kind', 'fn', 'objId', 'field', 'gen', 'name', 'before', 'after', 'detail']);
    expect(doc.events[1]).toMatchObject({ objId: FILE1, field: 0, gen: 1, name: 'file#1.f_count', detail: { path: '/srv' } });
    expect(doc.events[2]).toMatchObject({ fn: 'fd_install', name: 'P1.files.fd[3]', detail: { file: FILE1, fileGen: 1, fileName: 'file#1' } });
    expect(doc.events[4]!['objs']).toEqual([{ objId: FILE1, field: 0, name: 'file#1.f_count', write: true, before: 1, after: 2 }]);
    // Every object referred to, by id, with its kind and owner.
    expect(doc.objects).toEqual([
      { id: FILE1, kind: 'file', name: 'file#1' },
      { id: P1FILES, kind: 'fdtable', name: 'P1.files' },
      { id: P1FDT, kind: 'fdt', name: 'P1.files.fdt', owner: P1FILES },
      { id: P2FILES, kind: 'fdtable', name: 'P2.files' },
      { id: P2FDT, kind: 'fdt', name: 'P2.files.fdt', owner: P2FILES },
    ]);
    expect(eventToJson({ seq: 0, step: 0, tid: 0, thread: 't', kind: 'effect', fn: 'get_file', objId: FILE1, field: 0, before: Infinity, after: Infinity }, OBJECTS)).toMatchObject({
      name: 'file#1.f_count',
      before: 'Infinity',
      after: 'Infinity',
    });
    expect(JSON.parse(renderJson([]))).toEqual({ format: 'fdlab-trace', version: 2, objects: [], events: [] });
    const cyclic: { self?: unknown; m: Map<string, number> } = { m: new Map([['k', 1]]) };
    cyclic.self = cyclic;
    expect(JSON.parse(renderJson([], cyclic)).meta).toEqual({ m: { k: 1 }, self: '[circular]' });
  });
});

describe('explainViolation', () => {
  const v: Violation = {
    kind: 'fpos-race',
    message: 'f_pos of file#1 updated by P1.T1 and P2.T1 concurrently; P1.T1 skipped f_pos_lock because f_count was 1 at fdget_pos',
    why: 'two threads were inside the f_pos read-modify-write of one file while at least one did not hold f_pos_lock',
    thread: 'P2.T1',
    tid: 1,
    step: 27,
    fn: 'f_pos:read',
    object: 'file#1',
    history: [],
  };

  it('combines kind, place, message and why', () => {
    expect(explainViolation(v)).toBe(
      'fpos-race at step 27, P2.T1 in f_pos:read: f_pos of file#1 updated by P1.T1 and P2.T1 concurrently; P1.T1 skipped f_pos_lock because f_count was 1 at fdget_pos — two threads were inside the f_pos read-modify-write of one file while at least one did not hold f_pos_lock',
    );
    expect(explainViolation({ ...v, message: 'x.', why: 'fpos-race' })).toBe('fpos-race at step 27, P2.T1 in f_pos:read: x');
    expect(explainViolation({ ...v, message: '', why: 'y', fn: '' })).toBe('fpos-race at step 27, P2.T1 — y');
  });

  it('rebuilds a violation from its event', () => {
    const e = handTrace().find((x) => x.kind === 'violation')!;
    const w = violationOfEvent(e);
    expect(w).toMatchObject({ kind: 'fpos-race', step: 4, thread: 'P2.T1', object: 'file#1' });
    expect(w.why).toContain('f_pos_lock');
  });
});

describe('renderHtml', () => {
  it('is a self-contained page with the data as safe JSON', () => {
    const events = log(...handTrace().map(({ seq: _s, ...e }) => e), setup('note', ODD, undefined, { detail: { note: '<!-- & -->' } }));
    const html = renderHtml(events, { title: 'a <race> & "quotes"', schedule: [0, 1, 1] });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>a &lt;race&gt; &amp; &quot;quotes&quot;</title>');
    expect(html).toContain('schedule: <code>0.1.1</code>');
    // Exactly the two script elements we wrote: no </script> leaked from the data.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
    const m = /<script type="application\/json" id="fdlab-data">([\s\S]*?)<\/script>/.exec(html);
    const data = JSON.parse(m![1]!) as { events: unknown[]; rows: Array<{ panel: number }>; panels: string[]; violations: Array<{ why: string; row: number }> };
    expect(data.events).toEqual(events.map((e) => eventToJson(e, OBJECTS)));
    expect(html).toContain('setup: note &lt;/script&gt;&lt;b&gt;x&lt;/b&gt; (&lt;!-- &amp; --&gt;)');
    const trs = html.match(/<tr class="(?:step|plain|violation)"/g)!;
    expect(data.rows).toHaveLength(trs.length);
    expect(data.rows.every((r) => r.panel >= 0 && r.panel < data.panels.length)).toBe(true);
    expect(data.violations).toHaveLength(1);
    expect(data.violations[0]!.why).toContain('fpos-race at step 4');
    expect(html).toContain(`<li data-row="${data.violations[0]!.row}"><b>fpos-race</b>`);
    expect(html).toContain('<th>P1.T1</th><th>P2.T1</th>');
    expect(renderHtml(events, { title: 'a <race> & "quotes"', schedule: [0, 1, 1] })).toBe(html);
  });

  it('shows given violations with their history and a clean page without any', () => {
    const v: Violation = { ...violationOfEvent(handTrace()[9]!), fn: 'f_pos:read', history: ['#1 P2.T1 file_ref_get 1→2'] };
    const html = renderHtml(handTrace(), { violations: [v] });
    expect(html).toContain('<summary>history of file#1</summary><pre>#1 P2.T1 file_ref_get 1→2</pre>');
    expect(renderHtml([])).toContain('No violations.');
  });

  it('escapes helpers', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(scriptJson({ a: '</script><!--\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });
});

describe('renderHtml pictures', () => {
  it('draws the three-table picture of every step, highlighting what the step changed', () => {
    const k = seed000();
    const events = k.engine.events;
    const html = renderHtml(events, { violations: k.engine.violations });
    const data = JSON.parse(/id="fdlab-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { rows: Array<{ step: number; picture: number }>; pictures: string[] };
    expect(data.pictures.length).toBeGreaterThan(5);
    expect(data.rows.every((r) => r.picture >= 0 && r.picture < data.pictures.length)).toBe(true);
    // The step that takes pidfd_getfd()'s reference: its picture shows f_count 2, highlighted.
    const bump = events.find((e) => e.kind === 'effect' && e.field === 0 && e.before === 1 && e.after === 2)!;
    const pic = data.pictures[data.rows.find((r) => r.step === bump.step)!.picture]!;
    expect(pic).toMatch(/^<svg /);
    expect(pic).toContain('changed');
    expect(pic).toContain('f_count 2');
    expect(html).toContain('<details class="picture" open>');
    const lean = renderHtml(events, { pictures: false });
    expect(lean).not.toContain('<details class="picture"');
    expect(lean.length).toBeLessThan(html.length);
  });
});

describe('real kernel traces', () => {
  it('seed 000: the race appears in every picture', () => {
    const k = seed000();
    expect(k.engine.violations.map((v) => v.kind)).toEqual(['fpos-race']);
    const events = k.engine.events;
    const text = renderText(events);
    expect(text).toMatch(/^step {2}P1\.T1 +P2\.T1 +changes$/m);
    expect(text).toMatch(/!! {2}fpos-race: f_pos of file#1 updated by P1\.T1 and P2\.T1 concurrently; P1\.T1 skipped f_pos_lock/);
    expect(text).toContain('file#1.f_count 1→2');
    // Both threads wrote f_pos 0→2: the lost update.
    expect(text.match(/file#1\.f_pos 0→2/g)).toHaveLength(2);
    checkMermaid(renderMermaid(events));
    // Mid-steal: P2 holds an fget reference on file#1 that no slot accounts for.
    const steal = events.find((e) => e.kind === 'effect' && e.fn === 'file_ref_get' && traceName(k.engine, e.objId!, undefined, e.gen) === 'file#1')!;
    const mid = referencesAt(events, steal.step).files.find((f) => f.name === 'file#1')!;
    expect(mid).toMatchObject({ count: 2, slots: ['P1.files.fd[0]'], unowned: 1 });
    const end = dotGraph(renderDot(events));
    expect(end.edges).toContainEqual(['P1.files.fd[0]', 'file#1']);
    expect(end.edges).toContainEqual(['P2.files.fd[1]', 'file#1']);
    for (let s = 0; s <= k.engine.stepCount; s++) dotGraph(renderDot(events, { atStep: s }));
    const html = renderHtml(events, { title: 'seed 000', violations: k.engine.violations, schedule: k.engine.schedule });
    expect(html).toContain('<b>fpos-race</b> at step');
    expect(html).toContain('<summary>history of file#1</summary>');
    const json = JSON.parse(renderJson(events, { schedule: k.engine.schedule.join('.') })) as { events: unknown[] };
    expect(json.events).toHaveLength(events.length);
  });

  it('same schedule, same pictures, byte for byte', () => {
    const a = seed000().engine.events;
    const b = seed000().engine.events;
    for (const [name, fn] of Object.entries(render)) {
      expect(fn(a), name).toBe(fn(b));
    }
    expect(renderText(seed000('1.1.1').engine.events)).not.toBe(renderText(a));
  });

  it('fork: two processes read one directory fd under f_pos_lock', () => {
    const k = forkRead();
    expect(k.engine.violations).toEqual([]);
    const events = k.engine.events;
    const text = renderText(events);
    expect(text).toContain('dup_fd');
    expect(text).toContain('mutex_lock f_pos_lock of file#1');
    checkMermaid(renderMermaid(events));
    const g = dotGraph(renderDot(events, { atStep: 0 }));
    expect(g.edges).toEqual([
      ['P1.files.fd[0]', 'file#1'],
      ['P2.files.fd[0]', 'file#1'],
    ]);
    expect(g.nodes.get('file#1')?.get('label')).toContain('f_count 2');
    const end = referencesAt(events).files.find((f) => f.name === 'file#1')!;
    expect(end).toMatchObject({ count: 1, slots: ['P1.files.fd[0]'], unowned: 0, missing: 0 });
    expect(renderHtml(events)).toContain('No violations.');
  });
});

describe('renderers over structured records, not names', () => {
  /**
   * Objects of a user's own subsystem whose names contain every character the old string
   * parsers keyed on (`#`, `[`, `]`, `.`, ` of `): renderers must take kinds, owners and
   * slots from the records and show the names verbatim.
   */
  function customTrace(): { k: Kernel; events: TraceLog } {
    const k = newKernel();
    const e = k.engine;
    const table = e.register({ simName: (f) => `ring#[0].${f}`, simLabel: () => 'ring#[0]', simKind: () => 'fdtable', simCount: (f) => (f === 0 ? 1 : undefined) });
    const slots = e.register({ simName: (f) => `ring#[0].fd[${f}].x`, simKind: () => 'fdt', simOwner: () => table });
    let gen = 1;
    const label = (g?: number): string => `buf[#${g === undefined ? '' : (g + 1) >> 1}] of file#9`;
    const buf = e.register({ simName: (f, g) => `${label(g)}.field[${f}]`, simLabel: label, simKind: () => 'file', simGen: () => gen });
    const lock = e.register({ simName: () => 'lock of file#1', simKind: () => 'lock', simOwner: () => buf });
    const thing = e.register({ simName: () => 'P1.files.fd[3]' }); // looks like a slot, is not one
    e.effect('alloc_file', buf, 0, 0, 1, { path: '/weird#[path]' });
    e.effect('alloc_fd', slots, 4, undefined, undefined, { note: 'reserved' });
    e.effect('fd_install', slots, 4, undefined, undefined, { file: buf, fileGen: gen });
    e.effect('get_file', buf, 0, 1, 2);
    e.effect('lock', lock, 0, undefined, undefined, { note: 'mutex_lock' });
    e.effect('poke', thing, 0, 3, 4);
    e.effect('fput', buf, 0, 2, 1);
    gen = 3; // the object is reused: later effects record the new generation
    e.effect('get_file', buf, 0, 1, 2);
    return { k, events: e.events };
  }

  it('names, kinds, owners and incarnations come from the objects', () => {
    const { k, events } = customTrace();
    const text = renderText(events);
    expect(text).toContain('setup: buf[#1] of file#9.field[0] 0→1 (alloc_file /weird#[path])');
    expect(text).toContain('setup: fd_install ring#[0].fd[4].x ← buf[#1] of file#9');
    expect(text).toContain('setup: mutex_lock lock of file#1');
    expect(text).toContain('setup: P1.files.fd[3] 3→4 (poke)');
    expect(text).toContain('setup: buf[#2] of file#9.field[0] 1→2');
    const before = referencesAt(events, undefined, k.engine);
    expect(before.tables).toEqual([{ name: 'ring#[0]', count: undefined, slots: [{ fd: 4, name: 'ring#[0].fd[4].x', file: 'buf[#1] of file#9' }] }]);
    // The lock belongs to the custom file, not to the `file#1` its name mentions.
    expect(before.locks).toEqual([{ name: 'lock of file#1', holder: 'setup', file: 'buf[#2] of file#9' }]);
    const f1 = before.files.find((f) => f.name === 'buf[#1] of file#9')!;
    expect(f1).toMatchObject({ count: 1, path: '/weird#[path]', slots: ['ring#[0].fd[4].x'], missing: 0 });
    expect(before.files.find((f) => f.name === 'buf[#2] of file#9')).toMatchObject({ count: 2, slots: [] });
    // Nothing was taken for a table or a slot because of how its name looks.
    expect(before.tables.map((t) => t.name)).not.toContain('P1.files');
    const g = dotGraph(renderDot(events));
    expect(g.edges).toContainEqual(['ring#[0].fd[4].x', 'buf[#1] of file#9']);
    expect(g.edges).toContainEqual(['lock:lock of file#1', 'buf[#2] of file#9']);
    const mmd = renderMermaid(events);
    checkMermaid(mmd);
    // The slot array is drawn as its table, the lock as its file.
    expect(mmd).toContain(`as ${escapeMermaid('ring#[0]')}\n`);
    expect(mmd).not.toContain(`as ${escapeMermaid('ring#[0].fd[4].x')}`);
    expect(mmd).toContain(`as ${escapeMermaid('buf[#1] of file#9')}\n`);
    expect(mmd).toContain(`as ${escapeMermaid('P1.files.fd[3]')}\n`);
    const json = JSON.parse(renderJson(events)) as { objects: Array<{ id: number; kind: string; name: string; owner?: number }>; events: Array<{ name?: string }> };
    expect(json.objects.map((o) => `${o.kind} ${o.name}`)).toEqual(['fdtable ring#[0]', 'fdt ring#[0].fd[0].x', 'file buf[#] of file#9', 'lock lock of file#1', 'other P1.files.fd[3]']);
    expect(json.events.map((e) => e.name)).toEqual([
      'buf[#1] of file#9.field[0]',
      'ring#[0].fd[4].x',
      'ring#[0].fd[4].x',
      'buf[#1] of file#9.field[0]',
      'lock of file#1',
      'P1.files.fd[3]',
      'buf[#1] of file#9.field[0]',
      'buf[#2] of file#9.field[0]',
    ]);
    expect(renderHtml(events)).toContain('fd 4 → buf[#1] of file#9');
  });

  it('a real trace: the lock of a recycled file points at its current incarnation; JSON lists every object', () => {
    const k = newKernel();
    const p1 = k.spawnProcess();
    p1.close(p1.open('/data/log', 0)); // file#1, freed: the object is reused below
    const fd = p1.open('/srv', O_DIRECTORY);
    const p2 = p1.fork();
    for (const p of [p1, p2]) {
      p.thread(function* (sys) {
        yield* sys.getdents(fd, 2);
      });
    }
    runEngine(k.engine, { kind: 'round-robin' });
    const events = k.engine.events;
    const held: Array<{ name: string; file?: string | undefined }> = [];
    for (let s = 1; s <= k.engine.stepCount; s++) held.push(...referencesAt(events, s).locks);
    expect(held.length).toBeGreaterThan(0);
    for (const l of held) expect(l).toMatchObject({ name: 'f_pos_lock of file#1', file: 'file#1@2' });
    const atLock = renderDot(events, { atStep: events.find((e) => e.fn === 'lock')!.step });
    expect(dotGraph(atLock).edges).toContainEqual(['lock:f_pos_lock of file#1', 'file#1@2']);
    const doc = JSON.parse(renderJson(events)) as { objects: Array<{ id: number; name: string }>; events: Array<{ objId?: number; objs?: Array<{ objId: number }> }> };
    const listed = new Set(doc.objects.map((o) => o.id));
    for (const e of doc.events) {
      if (e.objId !== undefined) expect(listed.has(e.objId)).toBe(true);
      for (const o of e.objs ?? []) expect(listed.has(o.objId)).toBe(true);
    }
    expect(doc.objects.find((o) => o.id === p1.fileOf(fd).simId)?.name).toBe('file#1');
  });

  it('the tracing-off path records nothing', () => {
    const k = newKernel({ trace: false });
    const p = k.spawnProcess();
    p.dup(p.open('/srv', O_DIRECTORY));
    expect(k.engine.events).toEqual([]);
  });
});
