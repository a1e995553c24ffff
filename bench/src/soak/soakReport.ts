/** The soak's results: every sample as JSON, a markdown summary with the verdicts, and the chart. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShiftCounts } from '../load/tasks.js';
import { warmupSeconds, type GrowthVerdict, type SoakSample } from './growthCheck.js';
import { soakChart, type Panel } from './soakChart.js';

export interface SoakReport {
  date: string;
  command: string;
  machine: string;
  node: string;
  store: 'sqlite' | 'redis';
  /** the hub's settings the soak chose (retention and the like) */
  hubSettings: Record<string, string>;
  load: string;
  /** seconds the load ran */
  seconds: number;
  warmupSeconds: number;
  samples: SoakSample[];
  verdicts: GrowthVerdict[];
  counts: ShiftCounts;
  webhookDeliveries: number;
  /** why the soak failed; empty when it passed */
  failures: string[];
}

const mib = 1 / (1024 * 1024);

/** A slope or mean in its quantity's unit, as the summary writes it. */
export function inUnit(value: number, unit: GrowthVerdict['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'bytes') return `${(value * mib).toFixed(2)} MiB`;
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  return value.toFixed(1);
}

/** Passed, FAILED, or (a run too short to fit any growth) passed with nothing judged. */
function outcome(report: SoakReport): string {
  if (report.failures.length > 0) return 'FAILED';
  return report.verdicts.every((v) => v.verdict === 'short') ? 'Passed, growth not judged (run too short)' : 'Passed';
}

const verdictWord = (v: GrowthVerdict): string =>
  v.verdict === 'ok' ? 'ok' : v.verdict === 'too fast' ? 'TOO FAST' : 'not judged (run too short)';

export function verdictLine(v: GrowthVerdict): string {
  const word = verdictWord(v);
  return `${v.label}: ${inUnit(v.slopePerHour, v.unit)}/h against a limit of ${inUnit(v.limitPerHour, v.unit)}/h (${v.stated}), fitted from ${Math.round(v.from)} s over ${v.samples} samples, mean ${inUnit(v.mean, v.unit)}: ${word}`;
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const listed = (counts: Record<string, number>): string =>
  Object.keys(counts).length === 0
    ? 'none'
    : Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([key, n]) => `${key} ${n}`)
        .join(', ');

/** The hub's mean share of a core over the samples after the warm-up. */
function meanCpu(report: SoakReport): number {
  const after = report.samples.filter((s) => s.at >= report.warmupSeconds && Number.isFinite(s.cpuShare));
  return after.reduce((sum, s) => sum + s.cpuShare, 0) / Math.max(1, after.length);
}

export function markdown(report: SoakReport): string {
  const last = report.samples[report.samples.length - 1];
  const rows = report.verdicts.map(
    (v) =>
      `| ${v.label} | ${Math.round(v.from)} s | ${v.samples} | ${inUnit(v.mean, v.unit)} | ${inUnit(v.slopePerHour, v.unit)} | ${inUnit(v.limitPerHour, v.unit)} (${v.stated}) | ${verdictWord(v)} |`,
  );
  return [
    `# Soak, ${report.store === 'sqlite' ? 'embedded store (SQLite)' : 'Redis store'}`,
    '',
    `${report.date} · \`${report.command}\` · ${report.machine} · node ${report.node}`,
    '',
    `**${outcome(report)}**${report.failures.length === 0 ? '' : `: ${report.failures.join('; ')}`}`,
    '',
    `Load: ${report.load}. Ran ${Math.round(report.seconds)} s; warm-up ${Math.round(report.warmupSeconds)} s; a sample every 10 s (RSS and heap read after a full collection the soak asks the hub for).`,
    '',
    `Hub settings: ${Object.entries(report.hubSettings)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(', ')}.`,
    '',
    '| quantity | fit from | samples | mean | growth per hour | limit per hour | verdict |',
    '| --- | --: | --: | --: | --: | --- | --- |',
    ...rows,
    '',
    `Operations: ${total(report.counts.operations)} (${listed(report.counts.operations)}).`,
    `Events to bots: ${report.counts.botEvents}; webhook deliveries taken: ${report.webhookDeliveries}.`,
    `Expected refusals: ${listed(report.counts.refusals)}. Errors: ${listed(report.counts.errors)}.`,
    ...(last
      ? [
          '',
          `At the end: RSS ${inUnit(last.rss, 'bytes')}, heap ${inUnit(last.heapUsed, 'bytes')}, store ${inUnit(last.storeBytes, 'bytes')} (${report.store === 'sqlite' ? 'pages in use; files on disk with the write-ahead log' : "the run's keys; the Redis server's used_memory, shared with anything else on it"} ${inUnit(last.storeWhole, 'bytes')}), ${last.handles} open handles, lag p99 ${last.lagP99.toFixed(1)} ms.`,
          `Hub CPU over the run after the warm-up: ${meanCpu(report).toFixed(1)} % of one core on average.`,
        ]
      : []),
    '',
  ].join('\n');
}

/** Writes soak-<store>.json, .md and .svg into `dir`; answers the files written. */
export function writeSoakReport(report: SoakReport, dir: string): string[] {
  const base = join(dir, `soak-${report.store}`);
  const verdict = (quantity: GrowthVerdict['quantity']): GrowthVerdict | undefined => report.verdicts.find((v) => v.quantity === quantity);
  const rate = (pick: (s: SoakSample) => number) => {
    return (s: SoakSample): number => {
      const i = report.samples.indexOf(s);
      const before = report.samples[i - 1];
      return before ? (pick(s) - pick(before)) / (s.at - before.at) : Number.NaN;
    };
  };
  const panels: Panel[] = [
    { label: 'RSS after a full collection', unit: 'MiB', value: (s) => s.rss * mib, verdict: verdict('rss'), scale: mib },
    { label: 'heap used after a full collection', unit: 'MiB', value: (s) => s.heapUsed * mib, verdict: verdict('heapUsed'), scale: mib },
    { label: 'heap used as /metrics reports it (between collections)', unit: 'MiB', value: (s) => s.heapScraped * mib },
    {
      label: report.store === 'sqlite' ? 'store size: SQLite pages in use' : "store size: the run's Redis keys",
      unit: 'MiB',
      value: (s) => s.storeBytes * mib,
      verdict: verdict('storeBytes'),
      scale: mib,
    },
    {
      label: report.store === 'sqlite' ? 'SQLite files on disk, write-ahead log included' : 'Redis used_memory (the whole server)',
      unit: 'MiB',
      value: (s) => s.storeWhole * mib,
    },
    { label: 'open handles', unit: 'count', value: (s) => s.handles, verdict: verdict('handles') },
    { label: 'event-loop lag p99', unit: 'ms', value: (s) => s.lagP99, verdict: verdict('lagP99') },
    { label: 'hub CPU', unit: '% of one core', value: (s) => s.cpuShare },
    { label: 'operations', unit: 'per second', value: rate((s) => s.operations) },
    { label: 'errors', unit: 'total', value: (s) => s.errors },
  ];
  const caption = `${report.date.slice(0, 10)} · ${Math.round(report.seconds)} s · warm-up shaded · dashed: the fitted line · ${outcome(report)}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(report));
  writeFileSync(`${base}.svg`, soakChart(`Soak: ${report.store}`, caption, report.samples, warmupSeconds(report.seconds), panels));
  return [`${base}.json`, `${base}.md`, `${base}.svg`];
}
