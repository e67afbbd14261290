/*
 * A file type of your own, explored soundly: its ->read consumes a token, so the step that
 * calls it is a write of the token store. The type records what it touches with
 * engine.write() and declares it with `accesses`; checked mode (on by default) refuses the
 * same type when the declaration is forgotten, instead of proving a race absent by skipping
 * the interleaving that shows it.
 *
 * Run: npx tsx examples/custom-file-checked.ts
 */
import { defineScenario, explore, ModelError, O_RDWR, type FileOperations, type RefFile, type Sys } from 'fdlab';
import { access } from 'fdlab/extend';

function tokenScenario(declare: boolean) {
  return defineScenario({
    name: `token-file${declare ? '' : '-undeclared'}`,
    title: 'two processes read a file whose read consumes its only token',
    source: 'examples/custom-file-checked.ts',
    setup(k) {
      const store = { left: 1, id: k.engine.register({ simName: () => 'token store' }) };
      const ops: FileOperations = {
        name: 'token',
        stream: true,
        read(_file: RefFile) {
          k.engine.write(store.id, 0); // a recorded access: the explorer sees what happened
          if (store.left === 0) return '';
          store.left--;
          return 'T';
        },
        ...(declare ? { accesses: () => access(store.id, 0, true) } : {}),
      };
      k.vfs.mknod('/tmp/token', ops); // a device node: open() returns files of this type
      const p = k.spawnProcess();
      const fd = p.open('/tmp/token', O_RDWR);
      const child = p.fork();
      p.thread(function* (sys: Sys) { return yield* sys.read(fd, 1); });
      child.thread(function* (sys: Sys) { return yield* sys.read(fd, 1); });
    },
  });
}

const declared = explore(tokenScenario(true));
const naive = explore(tokenScenario(true), { strategy: 'dfs' });
console.log(`declared: DPOR ${declared.runs} runs, naive ${naive.runs} runs, exhaustive ${declared.exhaustive}`);
console.log(`  outcomes (who got the token): ${declared.outcomes.map((o) => o.outcome).join('  ')}`);

try {
  explore(tokenScenario(false));
} catch (e) {
  if (!ModelError.is(e)) throw e;
  console.log(`undeclared: ${e.code}: ${e.message}`);
}
