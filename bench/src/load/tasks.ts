/** The tasks a load process runs, and what it reports back; shared by the harness and the load process. */
import type { ClientKind } from '../targets.js';
import type { Endpoint } from './clients.js';
import type { LatencySummary } from '../stats.js';
import type { CpuWindow } from '../cpuTime.js';
import type { Role } from '../tokens.js';

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
  | { kind: 'ownership'; endpoints: Endpoint[]; caseIds: string[]; agentsPerNode: number; decisions: number }
  | RoomsTask;

/** What the people of every room of a `rooms` task do (see load/people.ts). */
export interface RoomShape {
  /** each person's role, in room order; the first `writers` type */
  roles: Role[];
  /** a department for specialists (another department than the owner's) */
  specialistDepartment?: string;
  writers: number;
  /** edits per second of each writer while typing */
  ratePerWriter: number;
  /** typing in bursts of `edits` edits, then `pauseSeconds` quiet (null: steadily) */
  burst: { edits: number; pauseSeconds: number } | null;
  /** whether the first person claims the case (the owner) once in it */
  claim: boolean;
}

/**
 * caseroom's SDK only: rooms of people, some typing, some leaving and coming back, bots following
 * their team's feed. The harness paces it: the process answers `ready` once everyone is in, starts
 * typing (and people coming and going) on `go`, counts from `record`, stops typing on `stop` and
 * says `typed`, then answers with its result after the drain.
 */
export interface RoomsTask {
  kind: 'rooms';
  endpoint: Endpoint;
  /** client i binds its socket to `localAddresses[i % length]` (so a load balancer's ip_hash spreads them) */
  localAddresses?: string[];
  rooms: Array<{ caseId: string; team: string }>;
  shape: RoomShape;
  /** bots per team, each subscribed to its team's feed */
  botsPerTeam: number;
  /** people at these room indexes leave now and then and come back after `awaySeconds` */
  churn: { indexes: number[]; sharePerSecond: number; awaySeconds: number } | null;
}

/** What the harness tells a `rooms` task, in this order. */
export type HarnessWord = 'go' | 'record' | 'stop';

export interface RoomsResult {
  /** edits sent between `record` and `stop` */
  sent: number;
  /** their receipts due: each edit once for every other person in its room at the moment it was sent */
  expected: number;
  /** their receipts that came, by the end of the drain */
  received: number;
  /** receipts (of any edit) that came between `record` and `stop`: the deliveries the server's CPU time in the window paid for */
  receivedInWindow: number;
  /** updates from the hub that carried edits, in the same window (the hub merges the edits of a turn into one) */
  updatesInWindow: number;
  /** latencies (ms) of the receipts of edits sent in the window */
  samples: number[];
  /** events handed to bots between `record` and `stop`, by type (one event to three bots counts three) */
  botEvents: Record<string, number>;
  /** people who left and came back within the window */
  rejoins: number;
  /** refusals and errors the SDK reported, by code */
  errors: Record<string, number>;
  /** the load process's own CPU time from `record` to `stop`, and that window's wall-clock length */
  loadCpuSeconds: number;
  seconds: number;
}

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
export type LoadMessage = { ready: true } | { typed: true } | { result: unknown } | { error: string };
