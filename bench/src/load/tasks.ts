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
  | RoomsTask
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

/**
 * A load process's share of a workload spread over several: clients on some cases, the first
 * `writersPerCase` of each case typing. It opens them, says it is ready, then runs the typing
 * windows the harness asks for (`WindowCommand`) until told to close.
 */
export interface RoomsTask {
  kind: 'rooms';
  target: ClientKind;
  endpoint: Endpoint;
  caseIds: string[];
  clientsPerCase: number;
  writersPerCase: number;
  /** user ids are `${userPrefix}${index}`: unique across the processes sharing a case */
  userPrefix: string;
}

/** One typing window, at the same wall-clock times in every load process of a workload. */
export interface WindowCommand {
  /** wall-clock start (`performance.timeOrigin + performance.now()`, ms) */
  at: number;
  seconds: number;
  /** edits per second of each writer (0 in a process that only receives) */
  ratePerWriter: number;
  /** receipts this process should count once everything has arrived */
  expected: number;
  /** the drain ends when no receipt came for this long */
  quietMs: number;
}

export interface WindowReport {
  sent: number;
  /** receipts counted from the window's start to its end */
  receivedInWindow: number;
  /** receipts counted from the window's start to the end of the drain */
  received: number;
  /** latency (ms) of every receipt counted in `received` */
  samples: number[];
  /** this process's own CPU time from the window's start to its end */
  loadCpuSeconds: number;
}

/** Messages from the harness to a load process, after its task. */
export type LoadCommand = { window: WindowCommand } | 'close';

/** Messages from a load process to the harness. */
export type LoadMessage = { ready: true } | { window: WindowReport } | { result: unknown } | { error: string };
