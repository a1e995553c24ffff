/**
 * A case document as the store keeps it: a snapshot and the log of updates after it. The room's
 * Y.Doc is built from the stored bytes only when something needs it (until then a newcomer is
 * answered from the stored snapshot itself, so opening a long case costs a read, not a rebuild of
 * its whole history). Every update made on this node is appended in the order applied, and an
 * acknowledgement waits until its update is durable, so an acknowledged edit survives a crash and
 * an unacknowledged one is sent again. A long log is folded into a new snapshot. The one part of a
 * room that talks to the store.
 */
import { CaseroomError } from '@caseroom/shared';
import * as Y from 'yjs';
import type { Log } from '../logger.js';
import type { CaseStore, StoredDocument } from '../store/CaseStore.js';
import { fromPeer, fromStore, type Origin } from './Origin.js';
import type { RoomMetrics } from './RoomConnection.js';

export interface DocumentLogOptions {
  store: Pick<CaseStore, 'documents'>;
  /** cluster mode: other nodes write to the same documents */
  catchUpAfterLoad?: boolean;
  /** fold the update log into a snapshot after this many updates */
  snapshotEvery: number;
  metrics?: RoomMetrics;
}

/** The room a log keeps: its logger is made on first use, so the log asks for it only when it writes. */
interface LoggedRoom {
  readonly log: Log;
}

export class DocumentLog {
  /** what the store held, not yet applied to the document (null once applied) */
  private unapplied: StoredDocument | null = null;
  /** the stored snapshot, while it is still exactly the document (a compact answer for newcomers) */
  private pristine: Uint8Array | null = null;
  /** resolves when every update appended so far is durable */
  private durable: Promise<void> = Promise.resolve();
  private updatesSinceSnapshot = 0;
  /** bytes of those updates, and of the snapshot they follow: see `logIsLong` */
  private bytesSinceSnapshot = 0;
  private snapshotBytes = 0;
  /** the sequence number of the newest update this node has stored (or loaded) */
  private storedThrough: number;
  private compacting = false;

  /** What the store holds of a case's document: a log is made of it. */
  static read(store: DocumentLogOptions['store'], caseId: string): Promise<StoredDocument> {
    return store.documents.load(caseId);
  }

  constructor(
    private readonly caseId: string,
    private readonly doc: Y.Doc,
    stored: StoredDocument,
    private readonly options: DocumentLogOptions,
    private readonly room: LoggedRoom,
  ) {
    this.adopt(stored);
    this.storedThrough = stored.throughSeq;
  }

  /** Whether the document holds what the store held (see `applyStored`). */
  get applied(): boolean {
    return this.unapplied === null;
  }

  /** The stored snapshot while the document is still exactly that; else null. */
  get pristineSnapshot(): Uint8Array | null {
    return this.pristine;
  }

  /** The document moved on from the stored snapshot. */
  diverged(): void {
    this.pristine = null;
  }

  /** Applies what the store held to the document, once; answers whether it did so now. */
  applyStored(): boolean {
    const stored = this.unapplied;
    if (!stored) return false;
    this.unapplied = null;
    // Loading replays what is already stored: no relaying, no re-persisting.
    applyStored(this.doc, stored, fromStore);
    // A long log is folded now rather than read again by every later load.
    if (this.logIsLong()) void this.compact(stored.throughSeq);
    return true;
  }

  /**
   * Applies everything the store holds for this case (idempotent). Fills any gap left by a peer
   * update that never arrived, e.g. while the connection between nodes was down; whatever is new
   * reaches this node's connections.
   */
  async catchUp(): Promise<number> {
    const stored = await DocumentLog.read(this.options.store, this.caseId);
    this.storedThrough = Math.max(this.storedThrough, stored.throughSeq);
    if (this.unapplied) {
      // Not applied yet: the newer read replaces the old one (the store only ever grows).
      this.adopt(stored);
      return stored.throughSeq;
    }
    applyStored(this.doc, stored, fromPeer);
    return stored.throughSeq;
  }

  /**
   * Stores an update the document applied from a connection; `flushed` waits for it. Writes start
   * in the order updates were applied, and a failed one fails only the acknowledgements that wait
   * for it, not every later one.
   */
  append(update: Uint8Array): void {
    const { metrics } = this.options;
    const started = performance.now();
    const write = this.options.store.documents.append(this.caseId, update).then(
      (seq) => {
        this.storedThrough = Math.max(this.storedThrough, seq);
        metrics?.updateStored((performance.now() - started) / 1000);
      },
      (err: unknown) => {
        this.room.log.error({ err }, 'storing a document update failed');
        throw new CaseroomError(
          'store_unavailable',
          'The edit could not be stored; it stays in your document and is sent again on reconnect',
        );
      },
    );
    // Chained so that acknowledgements resolve in the order updates were applied.
    this.durable = Promise.all([this.durable.catch(() => undefined), write]).then(() => {
      this.updatesSinceSnapshot++;
      this.bytesSinceSnapshot += update.byteLength;
      if (this.logIsLong()) void this.compact();
    });
    this.durable.catch(() => undefined);
  }

  /** Resolves when every update appended so far is durable; rejects with `store_unavailable` if the last write failed. */
  flushed(): Promise<void> {
    return this.durable;
  }

  /** Folds the log into a snapshot if anything was logged since the last one (the room is unloading). */
  async compactIfLogged(): Promise<void> {
    if (this.applied && this.updatesSinceSnapshot > 0) await this.compact();
  }

  /** Takes `stored` as what the document will be built from, and counts its log for `logIsLong`. */
  private adopt(stored: StoredDocument): void {
    this.unapplied = stored;
    this.pristine = stored.updates.length === 0 ? stored.snapshot : null;
    this.updatesSinceSnapshot = stored.updates.length;
    this.bytesSinceSnapshot = stored.updates.reduce((sum, update) => sum + update.byteLength, 0);
    this.snapshotBytes = stored.snapshot?.byteLength ?? 0;
  }

  /**
   * Whether the log is worth folding: `snapshotEvery` updates at least and, for a large document,
   * at least half its snapshot's size in bytes. Folding encodes and writes the whole document, so
   * its cost stays in proportion to what was logged however large a long-lived case grows.
   */
  private logIsLong(): boolean {
    return this.updatesSinceSnapshot >= this.options.snapshotEvery && this.bytesSinceSnapshot * 2 >= this.snapshotBytes;
  }

  /**
   * Folds the update log into a snapshot of the document. Other nodes may have stored updates
   * this one has not applied yet, so it first catches up with the store: the snapshot then holds
   * every update up to the sequence number it replaces. When the stored bytes were just applied,
   * `appliedThrough` skips that read.
   */
  private async compact(appliedThrough?: number): Promise<void> {
    if (this.compacting) return;
    this.compacting = true;
    try {
      const counted = this.updatesSinceSnapshot;
      const countedBytes = this.bytesSinceSnapshot;
      // Alone on the store, the document holds every update stored so far; in a cluster, other
      // nodes' updates may still be on their way here, so the store is read first.
      const throughSeq = appliedThrough ?? (this.options.catchUpAfterLoad ? await this.catchUp() : this.storedThrough);
      const snapshot = Y.encodeStateAsUpdate(this.doc);
      await this.options.store.documents.compact(this.caseId, snapshot, throughSeq);
      this.updatesSinceSnapshot -= counted;
      this.bytesSinceSnapshot -= countedBytes;
      this.snapshotBytes = snapshot.byteLength;
      this.room.log.debug({ throughSeq }, 'document compacted');
    } catch (err) {
      this.room.log.error({ err }, 'compacting the document failed');
    } finally {
      this.compacting = false;
    }
  }
}

/**
 * Applies what the store holds for a case, as one transaction. A function of its own so that no
 * closure of the log keeps a stored snapshot and log alive once they are applied.
 */
function applyStored(doc: Y.Doc, stored: StoredDocument, origin: Origin): void {
  doc.transact(() => {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const update of stored.updates) Y.applyUpdate(doc, update);
  }, origin);
}
