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
  | RoomsTask
  | { kind: 'connections'; target: ClientKind; endpoint: Endpoint; casePrefix: string; from: number; count: number }
  | { kind: 'history'; target: ClientKind; endpoint: Endpoint; caseId: string; updates: number }
  | { kind: 'coldjoin'; target: ClientKind; endpoint: Endpoint; caseId: string; expectedLength: number }
  | { kind: 'ownership'; endpoints: Endpoint[]; caseIds: string[]; agentsPerNode: number; decisions: number }
  | PeopleTask
  | ShiftTask;

/** What the people of every room of a `people` task do (see load/people.ts). */
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
export interface PeopleTask {
  kind: 'people';
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

/**
 * The soak's load (load/shift.ts): a team working cases from opening to resolution, over and over,
 * until the harness says `stop`. It reports its counts every few seconds (`progress`) and once
 * more as its result.
 */
export interface ShiftTask {
  kind: 'shift';
  endpoint: Endpoint;
  team: string;
  /** agents who open, claim, work and hand over cases, one case at a time each */
  owners: number;
  /** agents who take cases handed over, resolve and release them, and decide approvals */
  takers: number;
  /** specialists who join a case, work on it and leave */
  specialists: number;
  /** bots following the team's event feed */
  bots: number;
}

/** What the shift has done so far. */
export interface ShiftCounts {
  /** operations completed, by kind (`case.opened`, `edit`, `claim`, `handoff`, …) */
  operations: Record<string, number>;
  /** refusals the load provokes on purpose (a claim of a case someone owns), by code */
  refusals: Record<string, number>;
  /** anything else that failed or was refused, by code or message */
  errors: Record<string, number>;
  /** events handed to the bots */
  botEvents: number;
}

/** What the harness tells a `people` task, in this order. */
export type HarnessWord = 'go' | 'record' | 'stop';

export interface PeopleResult {
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
export type LoadMessage =
  { ready: true } | { window: WindowReport } | { typed: true } | { progress: ShiftCounts } | { result: unknown } | { error: string };
