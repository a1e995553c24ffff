/**
 * The soak as an SVG: one panel per quantity over the run's time, the warm-up shaded, and for the
 * checked quantities the fitted line over the samples it was fitted to, so a reader sees at once
 * whether a verdict came from a trend or from one bump.
 */
import { escaped } from '../charts.js';
import { fitLine, type GrowthVerdict, type SoakSample } from './growthCheck.js';

const width = 760;
const left = 70;
const right = 20;
const panelHeight = 110;
const panelGap = 44;
const top = 60;

export interface Panel {
  label: string;
  unit: string;
  /** the sample's value in the panel's unit */
  value: (sample: SoakSample) => number;
  /** the growth verdict this panel shows, if checked; its fitted line is drawn in the panel's unit */
  verdict?: GrowthVerdict;
  /** panel units per sample unit (the fit is made on the sample's own unit) */
  scale?: number;
}

export function soakChart(title: string, caption: string, samples: SoakSample[], warmup: number, panels: Panel[]): string {
  const end = Math.max(1, samples[samples.length - 1]?.at ?? 1);
  const x = (at: number): number => left + ((width - left - right) * at) / end;
  const parts: string[] = [];
  let y = top;
  for (const panel of panels) {
    const values = samples.map(panel.value).filter(Number.isFinite);
    // An all-zero series (no errors) still gets a scale.
    const high = Math.max(...values, 0) * 1.1 || 1;
    const py = (value: number): number => y + panelHeight - (panelHeight * value) / high;
    const v = panel.verdict;
    const per = (n: number): string => (Number.isFinite(n) ? (n * (panel.scale ?? 1)).toPrecision(3) : 'n/a');
    const verdictText = v
      ? ` · growth ${per(v.slopePerHour)} ${panel.unit}/h, limit ${per(v.limitPerHour)}: ${v.verdict === 'short' ? 'not judged (run too short)' : v.verdict}`
      : '';
    parts.push(`<text x="${left}" y="${y - 8}" class="metric">${escaped(`${panel.label} (${panel.unit})${verdictText}`)}</text>`);
    parts.push(`<rect x="${x(0)}" y="${y}" width="${(x(warmup) - x(0)).toFixed(1)}" height="${panelHeight}" class="warmup"/>`);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y + panelHeight}" y2="${y + panelHeight}" class="axis"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 10}" class="tick">${high.toPrecision(3)}</text>`);
    parts.push(`<text x="${left - 6}" y="${y + panelHeight}" class="tick">0</text>`);
    const path = samples
      .filter((s) => Number.isFinite(panel.value(s)))
      .map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.at).toFixed(1)},${py(panel.value(s)).toFixed(1)}`)
      .join(' ');
    if (path) parts.push(`<path d="${path}" class="series"/>`);
    if (panel.verdict) {
      const from = panel.verdict.from;
      const fitted = samples.filter((s) => s.at >= from);
      const line = fitLine(fitted.map((s) => [s.at, panel.value(s)]));
      if (line && fitted.length > 1) {
        const a = fitted[0]!.at;
        const b = fitted[fitted.length - 1]!.at;
        parts.push(
          `<line x1="${x(a).toFixed(1)}" x2="${x(b).toFixed(1)}" y1="${py(line.intercept + line.slope * a).toFixed(1)}" y2="${py(line.intercept + line.slope * b).toFixed(1)}" class="${panel.verdict.verdict === 'too fast' ? 'fit bad' : 'fit'}"/>`,
        );
      }
    }
    y += panelHeight + panelGap;
  }
  parts.push(`<text x="${left}" y="${y - panelGap + 18}" class="tick start">0 s</text>`);
  parts.push(`<text x="${width - right}" y="${y - panelGap + 18}" class="tick">${Math.round(end)} s</text>`);
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escaped(title)}">`,
    '<style>text{font:12px sans-serif;fill:#111}.title{font-size:15px;font-weight:bold}.caption{fill:#555}.metric{font-weight:bold}.tick{text-anchor:end;fill:#555;font-size:10px}.start{text-anchor:start}.warmup{fill:#eee}.axis{stroke:#999}.series{fill:none;stroke:#1d4ed8;stroke-width:1.5}.fit{stroke:#15803d;stroke-width:2;stroke-dasharray:6 3}.bad{stroke:#b91c1c}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="20" class="title">${escaped(title)}</text>`,
    `<text x="16" y="36" class="caption">${escaped(caption)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
