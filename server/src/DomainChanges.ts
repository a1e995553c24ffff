/**
 * The one way the planes announce what changed: ownership, rosters, approvals, the conversation,
 * overdue steps, case status, stored events and revocations. A plane announces after the change is
 * stored; the transports, the metrics, the event log's readers and the cluster subscribe to the
 * kinds they care about. The planes never learn who listens, so building the hub needs no callback
 * bound after the fact.
 */
import type {
  ApprovalUpdate,
  CaseRecord,
  Composing,
  Delivery,
  Floor,
  Message,
  OverdueStep,
  OwnerUpdate,
  RosterUpdate,
} from '@caseroom/shared';
import type { Logger } from './logger.js';

/** Whether a change was made on this node or heard from another one over the cluster bus. */
export type ChangeSource = 'local' | 'peer';

export type DomainChange =
  /** a case's ownership changed: a claim, a handoff offered, accepted or declined, a reassignment, a release */
  | { kind: 'owner'; caseId: string; update: OwnerUpdate }
  /** this node's people in a case changed (a tab opened or closed, a status): what Presence merges */
  | { kind: 'localRoster'; caseId: string; update: RosterUpdate }
  /** a case's roster as everyone sees it changed (on one node the same as `localRoster`; in a cluster, every node's) */
  | { kind: 'roster'; caseId: string; update: RosterUpdate }
  /** an approval request was opened, decided, cancelled, expired or reviewed */
  | { kind: 'approval'; update: ApprovalUpdate }
  /** a message joined a case's conversation (stored, numbered) */
  | { kind: 'message'; caseId: string; message: Message }
  /** a channel connector reported on delivering a reply */
  | { kind: 'delivery'; caseId: string; seq: number; delivery: Delivery }
  /** someone who may speak started or stopped writing a reply */
  | { kind: 'composing'; caseId: string; composing: Composing }
  /** the floor was given or ended: who besides the owner may write to the customer */
  | { kind: 'floor'; caseId: string; floor: Floor }
  /** a step fell due without being done and its `step.overdue` event is stored; only the node that fired it announces it */
  | { kind: 'stepOverdue'; step: OverdueStep }
  /** a case was resolved or reopened */
  | { kind: 'caseStatus'; caseId: string; record: CaseRecord }
  /**
   * new case events are stored: event log readers read on from their cursors. `teams` are the
   * teams the events belong to; absent when unknown (a peer that does not say), which wakes every reader.
   */
  | { kind: 'events'; source: ChangeSource; teams?: readonly string[] | undefined }
  /** every token of a person issued up to `at` is refused from now on */
  | { kind: 'revoked'; userId: string; at: number; source: ChangeSource };

export type DomainChangeKind = DomainChange['kind'];
export type DomainChangeOf<K extends DomainChangeKind> = Extract<DomainChange, { kind: K }>;

type Listener = (change: never) => void;

export class DomainChanges {
  private readonly listeners = new Map<DomainChangeKind, Set<Listener>>();

  constructor(private readonly log: Logger) {}

  /** Calls `listener` with every change of `kind` from now on; returns a function that stops it. */
  on<K extends DomainChangeKind>(kind: K, listener: (change: DomainChangeOf<K>) => void): () => void {
    let listeners = this.listeners.get(kind);
    if (!listeners) this.listeners.set(kind, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /**
   * Tells every listener of the change's kind, in the order they subscribed. The change is already
   * stored: a listener that throws is logged, and neither the others nor the announcer hear of it.
   */
  announce(change: DomainChange): void {
    const listeners = this.listeners.get(change.kind);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        (listener as (change: DomainChange) => void)(change);
      } catch (err) {
        this.log.error({ err, change: change.kind }, 'a listener of a domain change failed');
      }
    }
  }
}
