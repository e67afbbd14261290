import { writeFileSync } from 'node:fs';
import type { CliIo } from './main.js';

/** The process's own streams and files, as both builds of the bin hand them to main(). */
export function nodeIo(workerUrl: URL): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    tty: process.stderr.isTTY === true,
    writeFile: (path, content) => writeFileSync(path, content),
    workerUrl,
  };
}
