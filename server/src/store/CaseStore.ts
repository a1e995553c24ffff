/**
 * Everything the hub keeps durably goes through this interface; there is one implementation per
 * deployment mode (SQLite embedded, Redis in cluster mode). Nothing above `store/` knows which.
 */
import type { Approval, ApprovalStatus, CaseRecord, CaseStatus, Identity, Ownership, OwnershipRecord, Page } from '@caseroom/shared';

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

/** A case document as stored: the latest snapshot (if any) and the updates logged after it. */
export interface StoredDocument {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** the sequence number of the newest update included (0 when there is none) */
  throughSeq: number;
}

export interface CaseStore {
  readonly kind: string;

  /** Stores a new case; throws `case_exists` when the id is taken. */
  createCase(record: CaseRecord): Promise<void>;
  getCase(id: string): Promise<CaseRecord | null>;
  /** Newest first. */
  listCases(query: CaseQuery): Promise<Page<CaseRecord>>;
  /** Sets a case's status; returns the updated record, or null for an unknown case. */
  setCaseStatus(id: string, status: CaseStatus, at: string): Promise<CaseRecord | null>;

  /** The case's ownership (`unowned` with epoch 0 before the first change). */
  getOwnership(caseId: string): Promise<Ownership>;
  /**
   * Compare-and-set: stores `next` (and the history line, if any) only if the stored epoch is
   * still `expectedEpoch`. Resolves false when another change got there first.
   */
  saveOwnership(caseId: string, expectedEpoch: number, next: Ownership, record: OwnershipRecord | null): Promise<boolean>;
  /** Oldest first. */
  ownershipHistory(caseId: string): Promise<OwnershipRecord[]>;

  createApproval(approval: Approval): Promise<void>;
  getApproval(id: string): Promise<Approval | null>;
  /** Compare-and-set on `version`: stores `next` only if the stored version is `expectedVersion`. */
  saveApproval(next: Approval, expectedVersion: number): Promise<boolean>;
  /** Oldest first. */
  listApprovals(query: ApprovalQuery): Promise<Page<Approval>>;
  /** Pending requests whose expiry time is at or before `now` (ISO). */
  dueApprovals(now: string, limit: number): Promise<Approval[]>;
  /** The earliest expiry time of any pending request, or null. */
  nextApprovalExpiry(): Promise<string | null>;

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
