/**
 * One chart per workload, as SVG: a panel per figure, a bar per server (the median of its runs,
 * each run's figure marked on the bar), so that the servers of one run read side by side. Plain
 * SVG text, no library: the results directory and the docs show it as an image.
 *
 *   node --import tsx bench/src/charts.ts [results.json]   (re-draws the charts of a saved run)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport, MetricResult, WorkloadResult } from './report.js';
import { targets, type ClientKind } from './targets.js';

const colours: Record<ClientKind, string> = {
  'caseroom-sio': '#1d4ed8',
  'caseroom-yws': '#60a5fa',
  hocuspocus: '#b45309',
  'y-websocket': '#15803d',
};

const width = 720;
const labelWidth = 230;
const barHeight = 18;
const panelGap = 28;
const titleHeight = 64;

export const escaped = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A figure as a chart label writes it: three significant digits at most, and its unit. */
function figure(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`.trim();
}

/** The figures a chart shows: those with a median for at least one server, flags left out. */
function charted(metric: MetricResult): boolean {
  return metric.unit !== 'runs' && Object.values(metric.median).some((value) => typeof value === 'number' && Number.isFinite(value));
}

/** The SVG of one workload's figures. */
export function workloadChart(workload: WorkloadResult, caption: string): string {
  const metrics = workload.metrics.filter(charted);
  const parts: string[] = [];
  let y = titleHeight;
  for (const metric of metrics) {
    const kinds = targets.map((t) => t.id).filter((id) => typeof metric.median[id] === 'number');
    const largest = Math.max(...kinds.flatMap((id) => [metric.median[id]!, ...(metric.runs[id] ?? [])]), Number.MIN_VALUE);
    const scale = (width - labelWidth - 110) / largest;
    parts.push(
      `<text x="16" y="${y}" class="metric">${escaped(metric.label)} (${escaped(metric.unit)}, ${metric.better} is better)</text>`,
    );
    y += 8;
    for (const id of kinds) {
      const value = metric.median[id]!;
      const label = targets.find((t) => t.id === id)!.label;
      parts.push(`<text x="${labelWidth - 8}" y="${y + barHeight - 5}" class="server">${escaped(label)}</text>`);
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${Math.max(1, value * scale).toFixed(1)}" height="${barHeight}" fill="${colours[id]}"/>`,
      );
      for (const run of metric.runs[id] ?? []) {
        const x = labelWidth + run * scale;
        parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y + 3}" y2="${y + barHeight - 3}" class="run"/>`);
      }
      parts.push(
        `<text x="${(labelWidth + value * scale + 6).toFixed(1)}" y="${y + barHeight - 5}" class="value">${figure(value, metric.unit)}</text>`,
      );
      y += barHeight + 4;
    }
    y += panelGap;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escaped(workload.title)}">`,
    '<style>text{font:12px sans-serif;fill:#111}.title{font-size:15px;font-weight:bold}.caption{fill:#555}.metric{font-weight:bold}.server{text-anchor:end}.run{stroke:#fff;stroke-width:1.5}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="20" class="title">${escaped(workload.title)}</text>`,
    `<text x="16" y="36" class="caption">${escaped(caption)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes `<workload>.svg` for every workload of the report into `dir`; answers the files written. */
export function writeCharts(report: BenchReport, dir: string): string[] {
  const caption = `medians of ${report.options.runs} run(s), marks show each run · ${report.machine} · ${report.date.slice(0, 10)}`;
  return report.workloads.map((workload) => {
    const file = join(dir, `${workload.name}.svg`);
    writeFileSync(file, workloadChart(workload, caption));
    return file;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const source = process.argv[2] ?? join(import.meta.dirname, '../results/latest.json');
  const report = JSON.parse(readFileSync(source, 'utf8')) as BenchReport;
  console.log(`written: ${writeCharts(report, join(source, '..')).join(', ')}`);
}
