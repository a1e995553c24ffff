/** The results table: to the terminal, as Markdown, and as JSON. */
import { cpus, totalmem } from 'node:os';
import { median } from './stats.js';
import { targets, type ClientKind } from './targets.js';
import type { MetricSpec } from './workloads/workload.js';

export interface MetricResult extends MetricSpec {
  /** per target: the figure of every run, in run order */
  runs: Partial<Record<ClientKind, number[]>>;
  /** per target: the median (for a flag: the number of runs flagged) */
  median: Partial<Record<ClientKind, number>>;
}

export interface WorkloadResult {
  name: string;
  title: string;
  description: string;
  metrics: MetricResult[];
}

export interface BenchReport {
  date: string;
  machine: string;
  cores: number;
  node: string;
  sharing: string;
  options: { full: string[]; runs: number; only: string[] };
  workloads: WorkloadResult[];
  targets: Array<{ metric: string; goal: string; met: boolean | null; detail: string }>;
}

export function machineLine(): { machine: string; cores: number; node: string } {
  const cpu = cpus();
  return {
    machine: `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform} ${process.arch}`,
    cores: cpu.length,
    node: process.version,
  };
}

export function sharingLine(cores: number): string {
  return `server under test and load generators share ${cores} cores (no pinning): one server process (two on Redis for ownership and the cluster), one load process per workload, except where the load is spread (many rooms, throughput and 5,000 connections: two; the contact centre: one per 500 cases)`;
}

export function summarize(metric: MetricSpec, runs: Partial<Record<ClientKind, number[]>>): MetricResult {
  const medians: Partial<Record<ClientKind, number>> = {};
  for (const [id, values] of Object.entries(runs) as Array<[ClientKind, number[]]>)
    medians[id] = metric.flag ? values.filter((value) => value === 1).length : median(values);
  return { ...metric, runs, median: medians };
}

/** A figure as the table writes it, in `unit`. */
export function format(value: number | undefined, unit: string): string {
  if (value === undefined) return '–';
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === '%') return `${value.toFixed(2)} %`;
  if (unit === 'runs') return value.toFixed(0);
  if (unit === '/s') return Math.round(value).toLocaleString('en');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** caseroom/peer for both caseroom columns: "socket.io · y-websocket endpoint". */
function ratio(metric: MetricResult, peer: ClientKind): string {
  if (metric.load) return '–';
  const peerValue = metric.median[peer];
  if (peerValue === undefined || !Number.isFinite(peerValue) || peerValue === 0) return '–';
  const parts = (['caseroom-sio', 'caseroom-yws'] as const).map((id) => {
    const value = metric.median[id];
    return value === undefined || !Number.isFinite(value) ? '–' : (value / peerValue).toFixed(2);
  });
  return parts.join(' · ');
}

const columns = ['workload', 'metric', ...targets.map((t) => t.label), 'caseroom/hocuspocus', 'caseroom/y-websocket'];

export function tableRows(report: BenchReport): string[][] {
  const rows: string[][] = [];
  for (const workload of report.workloads) {
    for (const metric of workload.metrics) {
      const unit = metric.unit === '/s' ? '' : ` (${metric.unit})`;
      rows.push([
        workload.title,
        `${metric.label}${unit}`,
        ...targets.map((t) => format(metric.median[t.id], metric.unit)),
        ratio(metric, 'hocuspocus'),
        ratio(metric, 'y-websocket'),
      ]);
    }
  }
  return rows;
}

export function markdownTable(report: BenchReport): string {
  const rows = tableRows(report);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export function textTable(report: BenchReport): string {
  const rows = [columns, ...tableRows(report)];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function header(report: BenchReport): string[] {
  return [
    `caseroom benchmarks, ${report.date}: ${report.machine}, node ${report.node}`,
    `${report.sharing}.`,
    `${report.options.full.length === 0 ? 'quick sizes' : `full sizes for ${report.options.full.join(', ')}, quick for the rest`}; each figure is the median of ${report.options.runs} runs; ratio columns: caseroom (socket.io) / peer · caseroom (y-websocket endpoint) / peer.`,
  ];
}

export function markdownReport(report: BenchReport): string {
  const lines = [
    ...header(report).map((line) => `${line}  `),
    '',
    markdownTable(report),
    '',
    '**Workloads**',
    '',
    ...report.workloads.map((w) => `- ${w.title}: ${w.description}.`),
    '',
    '**Targets**',
    '',
    ...report.targets.map((t) => `- ${t.met === null ? 'not measured' : t.met ? 'met' : 'missed'}: ${t.goal} (${t.detail})`),
  ];
  return `${lines.join('\n')}\n`;
}
