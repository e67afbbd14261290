#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { main } from './main.js';
import { workerMain, type ShardJob } from './parallel.js';

if (isMainThread) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    tty: process.stderr.isTTY === true,
    writeFile: (path, content) => writeFileSync(path, content),
    workerUrl: new URL(import.meta.url),
  });
} else {
  // A worker thread of `explore --workers`: run the shards the main thread hands out.
  await workerMain(workerData as ShardJob, parentPort!);
}
