/**
 * Peer-approval requests: created once, changed by compare-and-set on their version, listed for
 * a case, a team or the review queue, and found when they expire.
 */
import type { Approval, ApprovalStatus, Page } from '@caseroom/shared';
import type { NewCaseEvent } from './EventStore.js';

export interface ApprovalQuery {
  caseId?: string | undefined;
  team?: string | undefined;
  statuses?: readonly ApprovalStatus[] | undefined;
  /** true: only reviewed; false: only not yet reviewed */
  reviewed?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface ApprovalStore {
  /** Stores a new request with its events; an id already stored is a fault (`approvalAlreadyStored`). */
  create(approval: Approval, events: readonly NewCaseEvent[]): Promise<void>;
  get(id: string): Promise<Approval | null>;
  /** Stores `next` only if the stored version is `expectedVersion`; false, storing nothing, otherwise. */
  save(next: Approval, expectedVersion: number, events: readonly NewCaseEvent[]): Promise<boolean>;
  /** Oldest first, ties broken by id. */
  list(query: ApprovalQuery): Promise<Page<Approval>>;
  /** Pending requests whose expiry time is at or before `now` (ISO), soonest first. */
  due(now: string, limit: number): Promise<Approval[]>;
  /** The earliest expiry time of any pending request, or null. */
  nextExpiry(): Promise<string | null>;
}

/** The hub makes approval ids: a second request with the same id is a fault, reported alike by every store. */
export function approvalAlreadyStored(id: string): Error {
  return new Error(`approval ${id} is already stored`);
}
