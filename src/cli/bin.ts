#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { main } from './main.js';
import { WORKER_ARG, workerMain, type ShardJob } from './parallel.js';

// Only `explore --workers` needs `node:worker_threads`, so every other command starts
// without loading it: a thread that command starts is marked by WORKER_ARG in its argv.
const thread = process.argv[2] === WORKER_ARG ? await import('node:worker_threads') : undefined;
if (thread !== undefined && !thread.isMainThread) {
  // A worker thread of `explore --workers`: run the shards the main thread hands out.
  await workerMain(thread.workerData as ShardJob, thread.parentPort!);
} else {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    tty: process.stderr.isTTY === true,
    writeFile: (path, content) => writeFileSync(path, content),
    workerUrl: new URL(import.meta.url),
  });
}
