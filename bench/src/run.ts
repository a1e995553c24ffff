/**
 * `npm run bench [-- --full] [--runs N] [--only fanout,coldjoin] [--targets caseroom-sio,hocuspocus] [--profile]`
 *
 * Runs every workload against caseroom (Socket.IO SDK and y-websocket endpoint), Hocuspocus and
 * the y-websocket server, on this machine, in this run; prints one table with the medians and the
 * ratio caseroom/peer, and writes bench/results/latest.json, latest.md and a chart per workload (<name>.svg).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeCharts } from './charts.js';
import { join } from 'node:path';
import { parseOptions } from './options.js';
import { header, machineLine, markdownReport, sharingLine, summarize, textTable, type BenchReport, type WorkloadResult } from './report.js';
import { benchRoot, compilePeers } from './servers.js';
import { checkTargets } from './targetChecks.js';
import { targets, type ClientKind } from './targets.js';
import { cluster } from './workloads/cluster.js';
import { coldjoin } from './workloads/coldjoin.js';
import { connections } from './workloads/connections.js';
import { contactcentre } from './workloads/contactcentre.js';
import { fanout } from './workloads/fanout.js';
import { manyrooms } from './workloads/manyrooms.js';
import { ownership } from './workloads/ownership.js';
import { throughput } from './workloads/throughput.js';
import type { RunContext, Workload } from './workloads/workload.js';

const allWorkloads: Workload[] = [fanout, manyrooms, throughput, connections, coldjoin, ownership, contactcentre, cluster];

const options = parseOptions(process.argv.slice(2));
const resultsDir = join(benchRoot, 'results');
const context: RunContext = { options, profileDir: options.profile ? join(resultsDir, 'profiles') : null };
const { machine, cores, node } = machineLine();

await compilePeers();
console.log(`caseroom benchmarks: ${machine}, node ${node}`);
console.log(`${sharingLine(cores)}.`);

const results: WorkloadResult[] = [];
for (const workload of allWorkloads.filter((w) => options.only.includes(w.name))) {
  const description = workload.describe(options.sizes);
  console.log(`\n${workload.title}: ${description}`);
  const chosen = targets.filter((t) => workload.targets.includes(t.id) && (!options.targets || options.targets.includes(t.id)));
  const runs = new Map<ClientKind, Array<Record<string, number>>>();
  try {
    await workload.prepare?.(context);
    for (let run = 1; run <= options.runs; run++) {
      // Targets take turns within each run, so a noisy minute on the machine hits all of them.
      for (const target of chosen) {
        let figures: Record<string, number>;
        try {
          figures = await workload.measure(target, context);
        } catch (err) {
          console.error(`  run ${run} ${target.id} failed: ${err instanceof Error ? err.message : String(err)}`);
          figures = {};
        }
        runs.set(target.id, [...(runs.get(target.id) ?? []), figures]);
        const shown = Object.entries(figures).map(([key, value]) => `${key} ${Number.isFinite(value) ? Number(value.toFixed(2)) : value}`);
        const loadBound =
          figures.loadBound === 1
            ? ' (load-bound: the load process was near a full core, so the load, not the server, may have set the figures)'
            : '';
        console.log(`  run ${run} ${target.id}: ${shown.join(', ')}${loadBound}`);
      }
    }
  } finally {
    await workload.cleanup?.();
  }
  const metrics = workload.metrics(options.sizes).map((metric) => {
    const byTarget: Partial<Record<ClientKind, number[]>> = {};
    for (const [id, figures] of runs) byTarget[id] = figures.map((f) => f[metric.key] ?? Number.NaN);
    return summarize(metric, byTarget);
  });
  results.push({ name: workload.name, title: workload.title, description, metrics });
}

const report: BenchReport = {
  date: new Date().toISOString(),
  machine,
  cores,
  node,
  sharing: sharingLine(cores),
  options: { full: options.full, runs: options.runs, only: options.only },
  workloads: results,
  targets: checkTargets(results),
};

console.log(`\n${header(report).join('\n')}\n`);
console.log(textTable(report));
console.log('');
for (const t of report.targets) console.log(`${t.met === null ? 'not measured' : t.met ? 'met   ' : 'MISSED'}  ${t.goal} (${t.detail})`);

// A profiled run is slowed down by the profiler: its figures do not replace the latest results.
const written = options.profile ? join(resultsDir, 'profiles') : resultsDir;
mkdirSync(written, { recursive: true });
writeFileSync(join(written, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(written, 'latest.md'), markdownReport(report));
const charts = writeCharts(report, written);
console.log(`\nwritten: ${[join(written, 'latest.json'), join(written, 'latest.md'), ...charts].join(', ')}`);
