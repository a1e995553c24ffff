/**
 * Issue 21's targets, checked against the medians of one benchmark run. Every target is a ratio
 * to a figure of the same run (a peer's, or for the cluster caseroom's own single node), so a
 * noisy minute on the machine moves both sides of it.
 *
 * A target holds caseroom's paths to a bound: it is missed as soon as one path measured misses it,
 * met only when every path it names was measured and meets it, and otherwise not measured (the
 * workload, a size, a path or the peer did not run).
 */
import { format, type BenchReport, type MetricResult, type WorkloadResult } from './report.js';
import { caseroomIds, peerIds, type ClientKind } from './targets.js';

export type TargetCheck = BenchReport['targets'][number];

/** A target against the peers: caseroom's figure at most `factor` times the best (lowest) of `peers`. */
interface PeerTarget {
  workload: string;
  key: string;
  factor: number;
  peers: ClientKind[];
  goal: string;
}

const bestPeer: ClientKind[] = peerIds;

export const peerTargets: PeerTarget[] = [
  {
    workload: 'fanout',
    key: 'cpuPerEdit',
    factor: 0.8,
    peers: bestPeer,
    goal: "fan-out: server CPU per delivered edit at most 0.8x the best peer's",
  },
  {
    workload: 'manyrooms',
    key: 'cpuPerEdit',
    factor: 0.8,
    peers: bestPeer,
    goal: "many rooms: server CPU per delivered edit at most 0.8x the best peer's",
  },
  { workload: 'fanout', key: 'p50', factor: 1, peers: bestPeer, goal: "fan-out p50 at most the best peer's" },
  {
    workload: 'connections',
    key: 'heapPerClient1000',
    factor: 1,
    peers: bestPeer,
    goal: "heap per idle connection at 1,000 clients at most the best peer's",
  },
  {
    workload: 'connections',
    key: 'heapPerClient5000',
    factor: 1,
    peers: bestPeer,
    goal: "heap per idle connection at 5,000 clients at most the best peer's",
  },
  { workload: 'coldjoin', key: 'ms', factor: 0.6, peers: ['hocuspocus'], goal: "cold join at most 0.6x Hocuspocus's" },
];

/** Two hub nodes' server CPU per delivered message over one embedded node's (the `cluster` workload's figure). */
export const clusterTarget = { workload: 'cluster', key: 'clusterRatio', path: 'caseroom-sio' as ClientKind, limit: 1.3 };

export function checkTargets(workloads: WorkloadResult[]): TargetCheck[] {
  const find = (workload: string, key: string): MetricResult | undefined =>
    workloads.find((w) => w.name === workload)?.metrics.find((m) => m.key === key);
  const checks = peerTargets.map((target) =>
    checkAgainstPeers(target, find(target.workload, target.key), find(target.workload, 'loadBound'), find(target.workload, 'otherShare')),
  );
  checks.push(checkCluster(find(clusterTarget.workload, clusterTarget.key)));
  return checks;
}

/** A median that was measured (a failed run leaves NaN, a target left out leaves none). */
function measured(metric: MetricResult | undefined, id: ClientKind): number | undefined {
  const value = metric?.median[id];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function checkAgainstPeers(
  target: PeerTarget,
  metric: MetricResult | undefined,
  loadBound: MetricResult | undefined,
  otherShare: MetricResult | undefined,
): TargetCheck {
  const name = `${target.workload} ${target.key}`;
  if (!metric) return { metric: name, goal: target.goal, met: null, detail: `${target.workload}: not measured` };
  const unit = metric.unit;
  const peers = target.peers
    .map((id) => ({ id, value: measured(metric, id) }))
    .filter((peer): peer is { id: ClientKind; value: number } => peer.value !== undefined)
    .sort((a, b) => a.value - b.value);
  const best = peers[0];
  if (!best) return { metric: name, goal: target.goal, met: null, detail: `${target.peers.join(', ')}: not measured` };
  const bound = target.factor * best.value;
  const verdicts = caseroomIds.map((id) => {
    const value = measured(metric, id);
    if (value === undefined) return { met: null, text: `${id}: not measured` };
    const met = value <= bound;
    return { met, text: `${id} ${format(value, unit)} ${unit} (${(value / best.value).toFixed(2)}x): ${met ? 'met' : 'missed'}` };
  });
  const peerText =
    target.factor === 1
      ? `${target.peers.length > 1 ? 'best peer ' : ''}${best.id} ${format(best.value, unit)} ${unit}`
      : `${target.peers.length > 1 ? 'best peer ' : ''}${best.id} ${format(best.value, unit)} ${unit}, bound ${format(bound, unit)} ${unit}`;
  return {
    metric: name,
    goal: target.goal,
    met: combine(verdicts.map((v) => v.met)),
    detail: [
      peerText,
      ...verdicts.map((v) => v.text),
      ...loadBoundNote(loadBound, [...caseroomIds, ...target.peers]),
      ...busyMachineNote(otherShare),
    ].join('; '),
  };
}

function checkCluster(metric: MetricResult | undefined): TargetCheck {
  const goal = `cluster: two hub nodes' server CPU per delivered message at most ${clusterTarget.limit}x one embedded node's`;
  const value = measured(metric, clusterTarget.path);
  if (value === undefined) return { metric: 'cluster clusterRatio', goal, met: null, detail: `${clusterTarget.path}: not measured` };
  const met = value <= clusterTarget.limit;
  return { metric: 'cluster clusterRatio', goal, met, detail: `${clusterTarget.path} ${value.toFixed(2)}x: ${met ? 'met' : 'missed'}` };
}

/** Missed if any path missed; met if all were measured and met; otherwise not measured. */
function combine(verdicts: Array<boolean | null>): boolean | null {
  if (verdicts.includes(false)) return false;
  return verdicts.includes(null) ? null : true;
}

/** A CPU figure from a run whose load was saturated tells about the load as much as the server: say so next to the verdict. */
function loadBoundNote(loadBound: MetricResult | undefined, ids: ClientKind[]): string[] {
  if (!loadBound) return [];
  const flagged = ids.filter((id) => (loadBound.median[id] ?? 0) > 0).map((id) => `${id} ${loadBound.median[id]}`);
  return flagged.length > 0 ? [`load-bound runs: ${flagged.join(', ')}`] : [];
}

/** Above this share of a core taken by other processes, the machine was busy enough to move the figures. */
export const busyMachineShare = 25;

/** On a shared machine, say when other processes took a good part of it while the figures were measured. */
function busyMachineNote(otherShare: MetricResult | undefined): string[] {
  const busiest = Math.max(...Object.values(otherShare?.median ?? {}).filter(Number.isFinite));
  return busiest > busyMachineShare
    ? [`the machine was busy: other processes took up to ${busiest.toFixed(0)} % of a core (median of runs)`]
    : [];
}
