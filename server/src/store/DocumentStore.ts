/**
 * Case documents: an append-only log of Yjs updates per case, folded now and then into a snapshot
 * so loading a long-lived case stays fast. Bytes go in and come out untouched.
 */

/** A case document as stored: the latest snapshot (if any) and the updates logged after it. */
export interface StoredDocument {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** the sequence number of the newest update included (0 when there is none) */
  throughSeq: number;
}

export interface DocumentStore {
  /**
   * Appends an update to the case's log and resolves with its sequence number once it is durable.
   * Updates of one case are durable in the order they were appended.
   */
  append(caseId: string, update: Uint8Array): Promise<number>;
  load(caseId: string): Promise<StoredDocument>;
  /**
   * Replaces every logged update with sequence number <= `throughSeq` by `snapshot`, which must
   * contain all of them. A snapshot that covers no more than the stored one (or than nothing, 0)
   * changes nothing: a compaction finishing late must not lose the updates between the two.
   */
  compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void>;
}

/**
 * A stored document from what a backend read: its snapshot (and the sequence number it covers),
 * then the updates logged after it, in order. The bytes are copied out of the backend's buffers.
 */
export function storedDocument(
  snapshot: { data: Uint8Array; throughSeq: number } | null,
  updates: ReadonlyArray<{ seq: number; data: Uint8Array }>,
): StoredDocument {
  return {
    snapshot: snapshot ? new Uint8Array(snapshot.data) : null,
    updates: updates.map((update) => new Uint8Array(update.data)),
    throughSeq: updates.at(-1)?.seq ?? snapshot?.throughSeq ?? 0,
  };
}
