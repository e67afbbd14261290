/*
 * Seed 003, Jann Horn's review of the 2019 registration patch: the error path leaks the
 * references fget() took, and nr_user_files outgrows the table. Run the scenario under the
 * patch as posted and as merged; print what the audit and the detectors say.
 */
import { explore, matchesVerdict, render } from 'fdlab';
import { uringRegisterErrorPath } from 'fdlab/scenarios';

console.log(`${uringRegisterErrorPath.name}: ${uringRegisterErrorPath.title}\nsource: ${uringRegisterErrorPath.source}\n`);

const before = explore(uringRegisterErrorPath, { policy: 'before' });
console.log(`before (uringFileRegistration: ${before.policy.uringFileRegistration}): ${before.violations.map((v) => v.kind).join(' + ')}`);
for (const v of before.violations) console.log(`  !! ${v.kind}: ${v.message}`);
const leak = before.violations.find((v) => v.kind === 'leak');
if (leak === undefined || !before.violations.some((v) => v.kind === 'out-of-bounds')) process.exitCode = 1;
else console.log(`\n${render.text(leak.trace, { plain: false })}`);

const after = explore(uringRegisterErrorPath, { policy: 'after' });
const ok = matchesVerdict(after, 'clean');
console.log(`after (uringFileRegistration: ${after.policy.uringFileRegistration}): ${ok ? 'clean' : 'VIOLATION'}; results ${after.outcomes[0]?.outcome}`);
if (!ok) process.exitCode = 1;
