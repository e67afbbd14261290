#!/usr/bin/env node
import { main } from './main.js';
import { nodeIo } from './node-io.js';
import { WORKER_ARG } from './options.js';
import { workerMain, type ShardJob } from './parallel.js';

// The ESM build of the CLI (dist/cli.js): what the bin (src/cli/bin-cjs.ts) hands a command
// line to when it names a scenario module of the user's, whose `import 'fdlab'` gets the
// ESM build's classes; the CLI must build its kernels from the same ones.
// Only `explore --workers` needs `node:worker_threads`, so every other command starts
// without loading it: a thread that command starts is marked by WORKER_ARG in its argv.
const thread = process.argv[2] === WORKER_ARG ? await import('node:worker_threads') : undefined;
if (thread !== undefined && !thread.isMainThread) {
  // A worker thread of `explore --workers`: run the shards the main thread hands out.
  await workerMain(thread.workerData as ShardJob, thread.parentPort!);
} else {
  process.exitCode = await main(process.argv.slice(2), nodeIo(new URL(import.meta.url)));
}
