import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';

/*
 * A V8 code cache for the CLI's own CommonJS files: what Node 22's
 * `module.enableCompileCache()` does, for Node 20, where it does not exist.
 *
 * Most of a short `fdlab` command's own time is V8 compiling: the top level of ~0.5 MB of
 * modules and every function on its first call (docs/benchmarks.md, "CLI cold start").
 * V8 can serialise the code it compiled for a script (`Script#createCachedData()`, which
 * after a run includes the functions compiled lazily during it) and accept it back when the
 * same source is compiled again, checking the source, the V8 version and its flags itself
 * (`cachedDataRejected`). So the bin compiles the CLI's files through `vm.Script` with the
 * data saved by an earlier command, and saves it when there was none.
 *
 * Scope: only files in the bin's own directory (dist/), only while the bin loads the CLI
 * (the hook on `Module.prototype._compile` is removed as soon as `load()` returns), and
 * never a failure: any error reading or writing the cache compiles as Node would.
 */

/** The statistics of one load, for tests and the benchmark. */
export interface CompileCacheStats {
  /** Files compiled with saved code that V8 accepted. */
  hits: number;
  /** Files with no saved code. */
  misses: number;
  /** Files whose saved code V8 refused (another Node, other flags, a changed file). */
  rejected: number;
}

/** How a cache entry was made: by a search command (most functions compiled) or another. */
type Level = 'search' | 'other';

interface CjsModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

type Wrapped = (exports: unknown, require: (id: string) => unknown, module: CjsModule, filename: string, dirname: string) => void;

/**
 * The cache directory, or undefined if the cache is off. `FDLAB_COMPILE_CACHE=0` (or
 * `off`, `false`) turns it off; any other value is the directory to use; by default it is
 * `fdlab-compile-cache-<uid>` in the system's temporary directory. Entries are kept per Node
 * version and architecture. The directory must be the user's own and not writable by
 * others (saved code is run): otherwise no cache is used.
 */
export function compileCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const setting = env['FDLAB_COMPILE_CACHE'];
  if (setting === '0' || setting === 'off' || setting === 'false') return undefined;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const root = setting !== undefined && setting !== '' ? setting : join(tmpdir(), `fdlab-compile-cache-${uid ?? 'user'}`);
  const dir = join(root, `${process.version}-${process.arch}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

const nothing = (): void => undefined;

/** Node's own compile cache (22.1+), which also covers ES modules. */
function nodeCompileCache(): ((dir?: string) => unknown) | undefined {
  const enable = (Module as unknown as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  return typeof enable === 'function' ? enable : undefined;
}

/** What loading through the cache gives back. */
export interface CompileCacheLoad<T> {
  /** What `load` returned. */
  readonly value: T;
  readonly stats: CompileCacheStats;
  /**
   * Writes the entries that were missing or refused. Call it when the process exits: the
   * scripts' code then includes every function the command compiled.
   */
  readonly save: () => void;
}

/**
 * Runs `load` (which requires the CLI's CommonJS files from `ownDir`) with those files
 * compiled through the cache in `cacheDir`. `search` says whether the command about to run
 * is a search: its saved code then covers most of the library, and replaces an entry saved
 * by a short command such as `list`.
 */
export function loadWithCompileCache<T>(ownDir: string, cacheDir: string | undefined, search: boolean, load: () => T): CompileCacheLoad<T> {
  const stats: CompileCacheStats = { hits: 0, misses: 0, rejected: 0 };
  const enableNodeCache = nodeCompileCache();
  // Dynamic import() in a vm.Script needs Node's default loader named explicitly, which
  // older releases of Node 20 cannot do: they run without the cache.
  const importHook = (vmConstants as unknown as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: unknown } | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (cacheDir === undefined) return { value: load(), stats, save: nothing };
  if (enableNodeCache !== undefined) {
    enableNodeCache(cacheDir);
    return { value: load(), stats, save: nothing };
  }
  if (importHook === undefined) return { value: load(), stats, save: nothing };

  const level: Level = search ? 'search' : 'other';
  const pending: Array<{ script: Script; file: string }> = [];
  const proto = (Module as unknown as { prototype: CjsModule }).prototype;
  const original = proto._compile;
  const prefix = ownDir.endsWith(sep) ? ownDir : ownDir + sep;
  proto._compile = function compileWithCache(this: CjsModule, content: string, filename: string): unknown {
    if (!filename.startsWith(prefix)) return original.call(this, content, filename);
    let key: string;
    try {
      const st = statSync(filename);
      key = join(cacheDir, `${basename(filename)}-${st.size}-${Math.trunc(st.mtimeMs)}-${st.ino}`);
    } catch {
      return original.call(this, content, filename);
    }
    // A search command's entry serves every command; a short command's only short ones
    // until a search saves its own.
    let cached: Buffer | undefined;
    let found: Level | undefined;
    for (const l of ['search', 'other'] as const) {
      try {
        cached = readFileSync(`${key}.${l}`);
        found = l;
        break;
      } catch {
        // not saved at this level
      }
    }
    const source = content.startsWith('#!') ? `//${content.slice(2)}` : content;
    const script = new Script(Module.wrap(source), {
      filename,
      ...(cached !== undefined ? { cachedData: cached } : {}),
      importModuleDynamically: importHook as never,
    });
    if (cached === undefined) stats.misses++;
    else if (script.cachedDataRejected === true) stats.rejected++;
    else stats.hits++;
    if (cached === undefined || script.cachedDataRejected === true || (level === 'search' && found !== 'search')) {
      pending.push({ script, file: `${key}.${level}` });
    }
    const fn = script.runInThisContext({ displayErrors: true }) as Wrapped;
    fn.call(this.exports, this.exports, (id: string) => this.require(id), this, filename, dirname(filename));
    return undefined;
  };
  let value: T;
  try {
    value = load();
  } finally {
    proto._compile = original;
  }
  const save = (): void => {
    for (const { script, file } of pending.splice(0)) {
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // a cache that cannot be written is no cache
      }
    }
  };
  return { value, stats, save };
}
