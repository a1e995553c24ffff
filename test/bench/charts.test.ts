/** The benchmark's charts (bench/src/charts.ts): one SVG per workload, a bar per server and figure. */
import { describe, expect, it } from 'vitest';
import { workloadChart } from '../../bench/src/charts.js';
import type { WorkloadResult } from '../../bench/src/report.js';

const fanout: WorkloadResult = {
  name: 'fanout',
  title: 'Fan-out <latency>',
  description: '',
  metrics: [
    {
      key: 'p50',
      label: 'p50',
      unit: 'ms',
      better: 'lower',
      runs: { 'caseroom-sio': [3.1, 3.5, 2.9], hocuspocus: [3.2, 3.3, 3.4] },
      median: { 'caseroom-sio': 3.1, hocuspocus: 3.3 },
    },
    {
      key: 'loadBound',
      label: 'load-bound runs',
      unit: 'runs',
      better: 'lower',
      runs: { 'caseroom-sio': [0, 0, 0] },
      median: { 'caseroom-sio': 0 },
    },
  ],
};

describe('the benchmark charts', () => {
  it('draws a bar per server with its median, a mark per run, and leaves flags out', () => {
    const svg = workloadChart(fanout, 'medians of 3 runs');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Fan-out &lt;latency&gt;');
    expect(svg.match(/<rect x="230"/g)).toHaveLength(2);
    expect(svg.match(/class="run"/g)).toHaveLength(6);
    expect(svg).toContain('>3.10 ms<');
    expect(svg).toContain('>3.30 ms<');
    expect(svg).toContain('caseroom (socket.io)');
    expect(svg).not.toContain('load-bound runs');
  });

  it('scales the longest bar, median or run, to the same width in every panel', () => {
    const svg = workloadChart(fanout, '');
    const widths = [...svg.matchAll(/<rect x="230" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // 3.1 against the largest figure drawn (3.5, a run of caseroom), 3.3 likewise.
    expect(widths[0]! / widths[1]!).toBeCloseTo(3.1 / 3.3, 2);
    expect(Math.max(...widths)).toBeLessThan(720 - 230);
  });
});
