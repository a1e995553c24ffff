/** The tasks a load process runs, and what it reports back; shared by the harness and the load process. */
import type { ClientKind } from '../targets.js';
import type { Endpoint } from './clients.js';
import type { LatencySummary } from '../stats.js';
import type { CpuWindow } from '../cpuTime.js';

export type LoadTask =
  | {
      kind: 'fanout';
      target: ClientKind;
      endpoint: Endpoint;
      /** the server's process, whose CPU time the load reads over the typing window */
      serverPid: number;
      caseId: string;
      clients: number;
      writers: number;
      ratePerWriter: number;
      seconds: number;
    }
  | {
      kind: 'throughput';
      target: ClientKind;
      endpoint: Endpoint;
      serverPid: number;
      caseId: string;
      clients: number;
      startRate: number;
      factor: number;
      stepSeconds: number;
      p99LimitMs: number;
      maxRate: number;
    }
  | { kind: 'connections'; target: ClientKind; endpoint: Endpoint; casePrefix: string; from: number; count: number }
  | { kind: 'history'; target: ClientKind; endpoint: Endpoint; caseId: string; updates: number }
  | { kind: 'coldjoin'; target: ClientKind; endpoint: Endpoint; caseId: string; expectedLength: number }
  | { kind: 'ownership'; endpoints: Endpoint[]; caseIds: string[]; agentsPerNode: number; decisions: number };

export interface FanoutResult extends LatencySummary {
  sent: number;
  expected: number;
  received: number;
  /** from the first edit sent to the last, without the drain */
  window: CpuWindow;
}

export interface ThroughputStep extends LatencySummary {
  rate: number;
  sent: number;
  expected: number;
  received: number;
  passed: boolean;
  window: CpuWindow;
}

export interface ThroughputResult {
  /** highest offered rate (edits/s into the room) whose p99 stayed within the limit */
  best: number;
  steps: ThroughputStep[];
}

export interface HistoryResult {
  length: number;
}

export interface ColdJoinResult {
  ms: number;
  length: number;
}

export interface OwnershipResult {
  claims: number;
  claimsPerSecond: number;
  decisions: number;
  decisionsPerSecond: number;
}

/** Messages from a load process to the harness. */
export type LoadMessage = { ready: true } | { result: unknown } | { error: string };
