/**
 * Everything the hub keeps durably goes through this interface; there is one implementation per
 * deployment mode (SQLite embedded, Redis in cluster mode). Nothing above `store/` knows which.
 */
import type {
  Approval,
  ApprovalStatus,
  CaseEvent,
  CaseEventType,
  CaseRecord,
  CaseStatus,
  Identity,
  Ownership,
  OwnershipRecord,
  Page,
  Person,
} from '@caseroom/shared';
import type { WebhookStore } from './WebhookStore.js';

export interface CaseQuery {
  team?: string | undefined;
  status?: CaseStatus | undefined;
  limit: number;
  /** the `nextCursor` of the previous page */
  cursor?: string | undefined;
}

export interface ApprovalQuery {
  caseId?: string | undefined;
  team?: string | undefined;
  statuses?: readonly ApprovalStatus[] | undefined;
  /** true: only reviewed; false: only not yet reviewed */
  reviewed?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** An event to append; the store gives it its id and per-case sequence number. */
export interface NewCaseEvent {
  caseId: string;
  team: string;
  type: CaseEventType;
  at: string;
  actor: Person | null;
  data: Record<string, unknown>;
}

export interface EventQuery {
  /** only events after this id (exclusive) */
  after?: string | undefined;
  team?: string | undefined;
  caseIds?: readonly string[] | undefined;
  types?: readonly CaseEventType[] | undefined;
  limit: number;
}

/** A case document as stored: the latest snapshot (if any) and the updates logged after it. */
export interface StoredDocument {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** the sequence number of the newest update included (0 when there is none) */
  throughSeq: number;
}

export interface CaseStore {
  readonly kind: string;
  /** Webhooks and their delivery log, in the same store as the events they deliver. */
  readonly webhooks: WebhookStore;

  /*
   * Every write that changes what bots may see takes the case events describing it, and stores
   * them in the same transaction: an event is never lost, nor recorded for a change that was not.
   */

  /** Stores a new case; throws `case_exists` when the id is taken. */
  createCase(record: CaseRecord, events: NewCaseEvent[]): Promise<void>;
  getCase(id: string): Promise<CaseRecord | null>;
  /** Newest first. */
  listCases(query: CaseQuery): Promise<Page<CaseRecord>>;
  /** Sets a case's status; returns the updated record, or null for an unknown case. */
  setCaseStatus(id: string, status: CaseStatus, at: string, events: NewCaseEvent[]): Promise<CaseRecord | null>;

  /** The case's ownership (`unowned` with epoch 0 before the first change). */
  getOwnership(caseId: string): Promise<Ownership>;
  /**
   * Compare-and-set: stores `next` (and the history line, if any) only if the stored epoch is
   * still `expectedEpoch`. Resolves false when another change got there first.
   */
  saveOwnership(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: NewCaseEvent[],
  ): Promise<boolean>;
  /** Oldest first. */
  ownershipHistory(caseId: string): Promise<OwnershipRecord[]>;

  createApproval(approval: Approval, events: NewCaseEvent[]): Promise<void>;
  getApproval(id: string): Promise<Approval | null>;
  /** Compare-and-set on `version`: stores `next` only if the stored version is `expectedVersion`. */
  saveApproval(next: Approval, expectedVersion: number, events: NewCaseEvent[]): Promise<boolean>;
  /** Oldest first. */
  listApprovals(query: ApprovalQuery): Promise<Page<Approval>>;
  /** Pending requests whose expiry time is at or before `now` (ISO). */
  dueApprovals(now: string, limit: number): Promise<Approval[]>;
  /** The earliest expiry time of any pending request, or null. */
  nextApprovalExpiry(): Promise<string | null>;

  /** Appends events on their own (presence, document changes). */
  appendEvents(events: NewCaseEvent[]): Promise<CaseEvent[]>;
  /** Events in id order. */
  readEvents(query: EventQuery): Promise<CaseEvent[]>;
  /** One case's events with sequence number above `afterSeq`, in order. */
  caseEvents(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]>;
  /** The newest event id; before the first event, a cursor that reads from the beginning. */
  lastEventId(): Promise<string>;
  /** Orders two event ids (negative: a is older); null when `a` is not an event id of this store. */
  compareEventIds(a: string, b: string): number | null;

  /**
   * Records that every token of `userId` issued at or before `at` (ms since the epoch) is revoked
   * (a later revocation replaces an earlier one), with `events` in the same write.
   */
  revokePerson(userId: string, at: number, events: NewCaseEvent[]): Promise<void>;
  /** Every revocation: user id -> the moment up to which their tokens are refused. */
  revocations(): Promise<Map<string, number>>;

  /** Remembers a person who signed in, so they can be named as a handoff target. */
  rememberPerson(who: Identity, at: string): Promise<void>;
  getPerson(userId: string): Promise<Identity | null>;

  /**
   * Appends a document update to the case's log and resolves with its sequence number once it is
   * durable. Updates of one case are durable in the order they were appended.
   */
  appendUpdate(caseId: string, update: Uint8Array): Promise<number>;
  loadDocument(caseId: string): Promise<StoredDocument>;
  /**
   * Replaces every logged update with sequence number <= `throughSeq` by `snapshot`, which must
   * contain all of them. Keeps loading a long-lived case fast.
   */
  compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void>;

  /** Resolves when the store answers; rejects otherwise (used by /readyz). */
  ping(): Promise<void>;
  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}
