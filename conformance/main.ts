/* npm run conformance [-- N [--seed S] [--no-shrink]]: the long profile (default 100,000 programs). */
import { writeFileSync } from 'node:fs';
import { formatReport, runConformance } from './harness.js';
import { buildHost, hostUnavailable } from './real.js';

const args = process.argv.slice(2);
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 1;
const outAt = args.indexOf('--out'); // also write the report so far after every batch
const out = outAt >= 0 ? args[outAt + 1] : undefined;
const why = hostUnavailable();
if (why !== null) {
  console.error(`conformance: skipped: ${why}`);
  process.exit(2);
}
const host = buildHost();
const t0 = Date.now();
try {
  const r = runConformance(host, {
    count, seed, shrink: !args.includes('--no-shrink'),
    onBatch: (p) => {
      process.stderr.write(`\r${p.programs}/${count} programs, ${p.calls} calls, ${p.divergences.size} signatures`);
      if (out !== undefined) writeFileSync(out, `${formatReport(p)}\nseconds: ${((Date.now() - t0) / 1000).toFixed(1)}\n`);
    },
  });
  process.stderr.write('\n');
  console.log(formatReport(r));
  console.log(`\nseconds: ${((Date.now() - t0) / 1000).toFixed(1)}`);
  process.exitCode = r.divergences.size === 0 ? 0 : 1;
} finally {
  host.dispose();
}
