/*
 * The CLI as a module: the CommonJS build's entry (dist/cli-main.cjs) that the bin
 * (src/cli/bin-cjs.ts) loads through its compile cache for every command line that names
 * no scenario module of the user's.
 */
export { main } from './main.js';
export { nodeIo } from './node-io.js';
export { workerMain, type ShardJob } from './parallel.js';
