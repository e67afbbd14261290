#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  tty: process.stderr.isTTY === true,
  writeFile: (path, content) => writeFileSync(path, content),
});
