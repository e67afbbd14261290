#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { compileCacheDir, loadWithCompileCache } from './compile-cache.js';
import { isSearchCommand, namesScenarioModule, WORKER_ARG } from './options.js';
import type * as Program from './program.js';

/*
 * The `fdlab` bin (dist/cli.cjs). It runs the CommonJS build of the CLI, compiled through a
 * V8 code cache (src/cli/compile-cache.ts): an ES module cannot be given saved code on
 * Node 20, a CommonJS file can. A command line that names a scenario module of the user's
 * goes to the ESM build instead (dist/cli.js), because that module's `import 'fdlab'` gets
 * the ESM build's classes and the CLI must build its kernels from the same ones. So this
 * file imports nothing of the library: it decides, then loads one of the two.
 */

const argv = process.argv.slice(2);
const worker = argv[0] === WORKER_ARG;

async function run(): Promise<void> {
  if (!worker && namesScenarioModule(argv)) {
    // The ESM CLI runs the command line itself and sets the exit status.
    const esm = './cli.js'; // a runtime specifier: the bundler must not inline the ESM build
    await import(esm);
    return;
  }
  // A plain require: the compile cache hooks Node's CommonJS loader (ESM cannot be given saved code).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = loadWithCompileCache(__dirname, compileCacheDir(), worker || isSearchCommand(argv), () => require('./cli-main.cjs') as typeof Program);
  const program = load.value;
  // A worker thread reads the cache and leaves writing it to the main thread.
  if (!worker) process.once('exit', load.save);
  if (worker) {
    const thread = await import('node:worker_threads');
    if (!thread.isMainThread) {
      await program.workerMain(thread.workerData as Program.ShardJob, thread.parentPort!);
      return;
    }
  }
  process.exitCode = await program.main(argv, program.nodeIo(pathToFileURL(__filename)));
}

void run();
