/**
 * Who owns each case, with its fencing epoch, and the history of changes. Changes are stored by
 * compare-and-set on the epoch, decided inside the store, so racing hub nodes cannot both win.
 */
import type { Ownership, OwnershipRecord } from '@caseroom/shared';
import type { NewCaseEvent } from './EventStore.js';

export interface OwnershipStore {
  /** The case's ownership (`unowned`, epoch 0, before the first change). */
  get(caseId: string): Promise<Ownership>;
  /**
   * Stores `next` (with the history line, if any, and its events) only if the stored epoch is
   * still `expectedEpoch`. Resolves false, storing nothing, when another change got there first.
   */
  save(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: readonly NewCaseEvent[],
  ): Promise<boolean>;
  /** Oldest first. */
  history(caseId: string): Promise<OwnershipRecord[]>;
}

/**
 * What a compare-and-set from `expectedEpoch` requires of the stored row, on every backend: the
 * epoch stored, or null for "nothing stored yet". A case's ownership is stored from its first
 * change on, so epoch 0 (unowned) is the absence of a row: a change from it inserts, and wins
 * only while there is still none.
 */
export function requiredStoredEpoch(expectedEpoch: number): number | null {
  return expectedEpoch === 0 ? null : expectedEpoch;
}
