/** Issue 21's targets (bench/src/targetChecks.ts), checked against the medians of a run. */
import { describe, expect, it } from 'vitest';
import type { MetricResult, WorkloadResult } from '../../bench/src/report.js';
import { checkTargets } from '../../bench/src/targetChecks.js';
import type { ClientKind } from '../../bench/src/targets.js';

type Medians = Partial<Record<ClientKind, number>>;

function metric(key: string, unit: string, median: Medians): MetricResult {
  const runs = Object.fromEntries(Object.entries(median).map(([id, value]) => [id, [value]]));
  return { key, label: key, unit, better: 'lower', runs, median };
}

function workload(name: string, ...metrics: MetricResult[]): WorkloadResult {
  return { name, title: name, description: '', metrics };
}

const allPaths = (sio: number, yws: number, hocuspocus: number, yWebsocket: number): Medians => ({
  'caseroom-sio': sio,
  'caseroom-yws': yws,
  hocuspocus,
  'y-websocket': yWebsocket,
});

function check(workloads: WorkloadResult[], goalStart: string) {
  const found = checkTargets(workloads).find((t) => t.goal.startsWith(goalStart));
  if (!found) throw new Error(`no target starting with ${goalStart}`);
  return found;
}

describe("issue 21's targets", () => {
  it('holds server CPU per delivered edit to 0.8x the lower of the two peers, on both caseroom paths', () => {
    // Best peer 100 µs (y-websocket): the bound is 80.
    const met = [workload('fanout', metric('cpuPerEdit', 'µs', allPaths(80, 60, 130, 100)))];
    expect(check(met, 'fan-out: server CPU').met).toBe(true);
    const missed = [workload('fanout', metric('cpuPerEdit', 'µs', allPaths(81, 60, 130, 100)))];
    const result = check(missed, 'fan-out: server CPU');
    expect(result.met).toBe(false);
    expect(result.detail).toContain('best peer y-websocket 100 µs, bound 80.0 µs');
    expect(result.detail).toContain('caseroom-sio 81.0 µs (0.81x): missed');
    expect(result.detail).toContain('caseroom-yws 60.0 µs (0.60x): met');
  });

  it('checks the many-rooms CPU target apart from fan-out, and says not measured when that workload did not run', () => {
    const fanoutOnly = [workload('fanout', metric('cpuPerEdit', 'µs', allPaths(50, 50, 100, 100)))];
    expect(check(fanoutOnly, 'fan-out: server CPU').met).toBe(true);
    const manyRooms = check(fanoutOnly, 'many rooms');
    expect(manyRooms.met).toBeNull();
    expect(manyRooms.detail).toBe('manyrooms: not measured');
    const both = [...fanoutOnly, workload('manyrooms', metric('cpuPerEdit', 'µs', allPaths(90, 70, 100, 120)))];
    expect(check(both, 'many rooms').met).toBe(false);
  });

  it('holds fan-out p50 to the best peer, a tie included', () => {
    expect(check([workload('fanout', metric('p50', 'ms', allPaths(2.2, 2.5, 2.6, 2.5)))], 'fan-out p50').met).toBe(true);
    expect(check([workload('fanout', metric('p50', 'ms', allPaths(3.3, 2.5, 2.6, 2.5)))], 'fan-out p50').met).toBe(false);
  });

  it('misses as soon as one measured path misses, and is met only when both paths were measured', () => {
    const sioOnlyMissed = [workload('fanout', metric('p50', 'ms', { 'caseroom-sio': 4, hocuspocus: 3 }))];
    expect(check(sioOnlyMissed, 'fan-out p50').met).toBe(false);
    const sioOnlyMet = [workload('fanout', metric('p50', 'ms', { 'caseroom-sio': 2, hocuspocus: 3 }))];
    const result = check(sioOnlyMet, 'fan-out p50');
    expect(result.met).toBeNull();
    expect(result.detail).toContain('caseroom-yws: not measured');
  });

  it('says not measured when no peer ran, or a run failed and left no figure', () => {
    const noPeer = [workload('fanout', metric('p50', 'ms', { 'caseroom-sio': 2, 'caseroom-yws': 2 }))];
    expect(check(noPeer, 'fan-out p50').met).toBeNull();
    const failed = [workload('fanout', metric('p50', 'ms', allPaths(Number.NaN, 2, 3, 3)))];
    expect(check(failed, 'fan-out p50').met).toBeNull();
  });

  it('checks heap per idle connection at 1,000 and 5,000 clients, each only where that count ran', () => {
    const quick = [workload('connections', metric('heapPerClient1000', 'KiB', allPaths(9, 4, 20, 15)))];
    expect(check(quick, 'heap per idle connection at 1,000').met).toBe(true);
    expect(check(quick, 'heap per idle connection at 5,000').met).toBeNull();
    const large = [workload('connections', metric('heapPerClient5000', 'KiB', allPaths(16, 4, 20, 15)))];
    expect(check(large, 'heap per idle connection at 5,000').met).toBe(false);
  });

  it("holds the cold join to 0.6x Hocuspocus's, whatever y-websocket's", () => {
    const met = [workload('coldjoin', metric('ms', 'ms', allPaths(120, 110, 200, 50)))];
    const result = check(met, 'cold join');
    expect(result.met).toBe(true);
    expect(result.detail).toContain('hocuspocus 200 ms, bound 120 ms');
    expect(check([workload('coldjoin', metric('ms', 'ms', allPaths(121, 110, 200, 7000)))], 'cold join').met).toBe(false);
  });

  it("checks the cluster's ratio on caseroom (socket.io) against 1.3, and says not measured without the cluster workload", () => {
    expect(check([], 'cluster').met).toBeNull();
    expect(check([workload('cluster', metric('clusterRatio', 'x', { 'caseroom-sio': 1.3 }))], 'cluster').met).toBe(true);
    const missed = check([workload('cluster', metric('clusterRatio', 'x', { 'caseroom-sio': 1.45 }))], 'cluster');
    expect(missed.met).toBe(false);
    expect(missed.detail).toBe('caseroom-sio 1.45x: missed');
  });

  it('names the runs that were load-bound next to a CPU verdict', () => {
    const loadBound = {
      ...metric('loadBound', 'runs', { 'caseroom-sio': 0, 'caseroom-yws': 0, hocuspocus: 2, 'y-websocket': 0 }),
      flag: true as const,
    };
    const result = check([workload('fanout', metric('cpuPerEdit', 'µs', allPaths(50, 50, 100, 100)), loadBound)], 'fan-out: server CPU');
    expect(result.detail).toContain('load-bound runs: hocuspocus 2');
  });

  it('says when other processes took a good part of the machine while the figures were measured', () => {
    const busy = metric('otherShare', '%', { 'caseroom-sio': 10, hocuspocus: 140 });
    const result = check([workload('manyrooms', metric('cpuPerEdit', 'µs', allPaths(50, 50, 100, 100)), busy)], 'many rooms');
    expect(result.detail).toContain('the machine was busy: other processes took up to 140 % of a core');
    const quiet = metric('otherShare', '%', { 'caseroom-sio': 10, hocuspocus: 20 });
    expect(
      check([workload('manyrooms', metric('cpuPerEdit', 'µs', allPaths(50, 50, 100, 100)), quiet)], 'many rooms').detail,
    ).not.toContain('busy');
  });

  it('reports every target, measured or not, in a fixed order', () => {
    expect(checkTargets([]).map((t) => [t.metric, t.met])).toEqual([
      ['fanout cpuPerEdit', null],
      ['manyrooms cpuPerEdit', null],
      ['fanout p50', null],
      ['connections heapPerClient1000', null],
      ['connections heapPerClient5000', null],
      ['coldjoin ms', null],
      ['cluster clusterRatio', null],
    ]);
  });
});
