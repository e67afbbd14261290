// The fdlab browser example: pick a shipped scenario and a kernel, run the explorer, and step
// through the minimal failing run in the HTML renderer's view. Plain ESM with no build step:
// index.html maps "fdlab" to the package's ESM bundle (dist/) with an import map; the browser
// test (test/browser-example.browser.test.ts) runs this same file against the sources.
import { explore, render, replay } from 'fdlab';
import { scenarios } from 'fdlab/scenarios';

const KERNELS = [
  ['before', 'before the fix (the scenario\'s "before")'],
  ['after', 'after the fix (the scenario\'s "after")'],
  ['linux-3.14', 'linux-3.14'], ['linux-5.11', 'linux-5.11'], ['linux-5.16', 'linux-5.16'], ['linux-6.4', 'linux-6.4'],
  ['linux-6.5-rc', 'linux-6.5-rc'], ['linux-6.5', 'linux-6.5'], ['linux-6.6', 'linux-6.6'], ['linux-6.7', 'linux-6.7'], ['current', 'current'],
];

function option(value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

/**
 * Builds the page inside `root`. Returns `run(scenarioName, policy)`, which the form calls and
 * tests may call directly; it resolves when the trace view is loaded.
 */
export function mountApp(root) {
  root.innerHTML = `
    <header><h1>fdlab: races in the Linux file-descriptor core, in your browser</h1>
    <p>Pick a scenario from the kernel mailing lists and a kernel version. The explorer runs the scenario
    under every interleaving of its threads and shows the shortest run that breaks an invariant.</p></header>
    <form id="controls">
      <label>Scenario <select id="scenario"></select></label>
      <label>Kernel <select id="policy"></select></label>
      <button id="run" type="submit">Explore</button>
    </form>
    <p id="about"></p>
    <p id="verdict" aria-live="polite"></p>
    <iframe id="trace" title="the run, step by step" style="width:100%;height:70vh;border:1px solid #d0d7de"></iframe>`;
  const scenarioSel = root.querySelector('#scenario');
  const policySel = root.querySelector('#policy');
  for (const s of Object.values(scenarios)) scenarioSel.append(option(s.name, `${s.name} — ${s.title}`));
  for (const [v, l] of KERNELS) policySel.append(option(v, l));
  const verdict = root.querySelector('#verdict');
  const about = root.querySelector('#about');
  const frame = root.querySelector('#trace');

  async function run(name, policy) {
    const s = scenarios[name];
    scenarioSel.value = name;
    policySel.value = policy;
    about.textContent = `${s.title}. Source: ${s.source}`;
    verdict.textContent = 'exploring…';
    const r = explore(s, { policy });
    const v = r.violations[0];
    let page;
    if (v !== undefined) {
      verdict.textContent = `${s.name} under ${policy}: ${[...new Set(r.violations.map((x) => x.kind))].join(', ')} found in ${r.runs} runs; minimal schedule ${v.minimalSchedule} (${v.preemptions} preemption(s)). ${v.message}`;
      page = render.html(v.trace, { title: `${s.name} under ${policy}: ${v.kind}`, violations: replay(s, v.minimalSchedule, { policy }).violations, schedule: v.minimalSchedule });
    } else {
      verdict.textContent = r.exhaustive
        ? `${s.name} under ${policy}: clean in every interleaving (${r.runs} runs). Showing the run without preemption.`
        : `${s.name} under ${policy}: nothing found in ${r.runs} runs (not exhaustive).`;
      const rep = replay(s, '', { policy });
      page = render.html(rep.trace, { title: `${s.name} under ${policy}: no violation`, violations: rep.violations, schedule: rep.schedule });
    }
    verdict.dataset.verdict = v !== undefined ? 'violation' : r.exhaustive ? 'clean' : 'not-exhaustive';
    await new Promise((resolve) => {
      frame.addEventListener('load', resolve, { once: true });
      frame.srcdoc = page;
    });
    return r;
  }

  root.querySelector('#controls').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void run(scenarioSel.value, policySel.value);
  });
  return run;
}
