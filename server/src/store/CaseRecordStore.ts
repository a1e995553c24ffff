/** Case records: created once, found by id, listed newest first, their status changed. */
import type { CaseRecord, CaseSort, CaseStatus, Page } from '@caseroom/shared';
import type { NewCaseEvent } from './EventStore.js';

export interface CaseQuery {
  team?: string | undefined;
  status?: CaseStatus | undefined;
  /** `created`: newest first (the default); `waiting`: only cases whose customer waits for an answer, longest wait first */
  sort?: CaseSort | undefined;
  limit: number;
  /** the `nextCursor` of the previous page */
  cursor?: string | undefined;
}

export interface CaseRecordStore {
  /** Stores a new case with its events; throws `case_exists` when the id is taken. */
  create(record: CaseRecord, events: readonly NewCaseEvent[]): Promise<void>;
  get(id: string): Promise<CaseRecord | null>;
  /** Newest first, or (`sort: 'waiting'`) longest waiting first; ties broken by id. */
  list(query: CaseQuery): Promise<Page<CaseRecord>>;
  /** Sets a case's status; the updated record, or null for an unknown case (then nothing is stored). */
  setStatus(id: string, status: CaseStatus, at: string, events: readonly NewCaseEvent[]): Promise<CaseRecord | null>;
  /**
   * Sets since when the case's customer waits (null: nobody waits), as an import found it; the
   * conversation's writes keep it otherwise. False for an unknown case.
   */
  restoreWaiting(id: string, since: string | null): Promise<boolean>;
}
