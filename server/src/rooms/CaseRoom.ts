/**
 * A live case document: the Y.Doc, its awareness, and who is connected. An update from a
 * connection is checked, applied and relayed at once; the sender's acknowledgement waits until it
 * is durable, so an acknowledged edit survives a crash and an unacknowledged one is sent again.
 *
 * The Y.Doc is built from the stored bytes only when something needs it (the first edit, a peer's
 * update, a watcher): until then a joiner is answered from the stored snapshot itself, so opening
 * a long case costs a read, not a rebuild of its whole history.
 */
import {
  assertValidUpdate,
  CaseroomError,
  decodeAwarenessUpdate,
  documentProblems,
  repairDocument,
  transactionProblems,
  type DocumentProblem,
} from '@caseroom/shared';
import * as Y from 'yjs';
import type { Logger } from '../logger.js';
import type { CaseStore, StoredDocument } from '../store/CaseStore.js';
import { AwarenessStates } from './AwarenessStates.js';
import { connectionOf, fromConnection, fromPeer, fromStore, originOf, type Origin } from './Origin.js';
import { RelayBatch } from './RelayBatch.js';
import type { PeerRelay, RelayedUpdates, RoomConnection, RoomMetrics, RoomRelay } from './RoomConnection.js';

export interface CaseRoomOptions {
  store: CaseStore;
  /** this node's transports */
  relays: readonly RoomRelay[];
  /** the other hub nodes (none on a single node) */
  peers: readonly PeerRelay[];
  /** at most one relay of a case's updates per this many milliseconds (0: one per turn) */
  relayIntervalMs: number;
  /** cluster mode: other nodes write to the same documents */
  catchUpAfterLoad?: boolean;
  log: Logger;
  /** fold the update log into a snapshot after this many updates */
  snapshotEvery: number;
  /** largest encoded size of the document; updates that would grow it past this are refused */
  maxDocumentBytes?: number;
  /** false only to measure the schema check's cost: incoming edits are then not checked against it */
  checkDocuments?: boolean;
  metrics?: RoomMetrics;
  /** rewrites each incoming awareness state before others see it (the people plane's policy) */
  filterAwareness?: (state: Record<string, unknown>, from: RoomConnection) => Record<string, unknown>;
}

export class CaseRoom {
  readonly caseId: string;
  /** cursors, selections, typing of the people in the room */
  private readonly awareness = new AwarenessStates();
  /** empty until built: see `doc` */
  private readonly ydoc: Y.Doc;
  /** what the store held at load, not yet applied to `ydoc` (null once built) */
  private stored: StoredDocument | null = null;
  /** the stored snapshot, while it is still exactly this document (a compact answer for newcomers) */
  private pristineSnapshot: Uint8Array | null = null;
  private readonly onBuilt: Array<() => void> = [];
  /**
   * A replica every incoming update is tried on before `doc`. Yjs can throw halfway through
   * integrating an update that decodes cleanly, leaving a document partly changed, and an update
   * can break the case document's schema; both must be found here, never in `doc`, which is
   * persisted and relayed.
   */
  private trial: Y.Doc | null = null;
  /** while an update from a connection is tried: who sent it, and what the check found */
  private checking: { author: string; problems: DocumentProblem[] } | null = null;
  /** made on the first update to relay */
  private relayBatch: RelayBatch | null = null;
  /** ids of the connections in the room */
  private readonly connections = new Set<string>();
  /** awareness client id -> the connection that announced it; nobody else may speak for it */
  private readonly awarenessOwners = new Map<number, string>();
  private readonly options: CaseRoomOptions;
  /** made on first use: most rooms never log anything */
  private roomLog: Logger | null = null;
  /** resolves when every update applied so far is durable */
  private durable: Promise<void> = Promise.resolve();
  private updatesSinceSnapshot = 0;
  /** bytes of those updates, and of the snapshot they follow: see `logIsLong` */
  private bytesSinceSnapshot = 0;
  private snapshotBytes = 0;
  /** the sequence number of the newest update this room has stored (or loaded) */
  private storedThrough: number;
  private compacting = false;
  /**
   * An upper estimate of the document's encoded size: the exact size when last measured plus every
   * update since. Measuring means encoding the whole document, so it happens only when the
   * estimate passes the limit.
   */
  private sizeEstimate: number;

  private constructor(caseId: string, stored: StoredDocument, options: CaseRoomOptions) {
    this.caseId = caseId;
    this.options = options;
    this.ydoc = new Y.Doc({ gc: true });
    this.adoptStored(stored);
    this.storedThrough = stored.throughSeq;
    this.sizeEstimate = this.snapshotBytes + this.bytesSinceSnapshot;
    this.ydoc.on('update', (update: Uint8Array, transactionOrigin: unknown) => {
      const origin = originOf(transactionOrigin);
      if (origin !== fromStore) this.pristineSnapshot = null;
      this.sizeEstimate += update.byteLength;
      // Updates from connections reached the trial replica first; anything else is mirrored.
      if (this.trial && origin?.kind !== 'connection') Y.applyUpdate(this.trial, update);
      this.persistAndRelay(update, origin);
    });
  }

  /**
   * Wraps a listener the hub attaches to this room's document (event watchers, relays): whatever
   * it throws is logged and counted, never thrown into Yjs, so the room keeps storing and relaying.
   */
  guard<A extends unknown[]>(reader: string, listener: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        listener(...args);
      } catch (err) {
        this.readerFailed(reader, err);
      }
    };
  }

  private readerFailed(reader: string, err: unknown): void {
    this.log.error({ err, reader }, 'a reader of the case document failed; the room goes on');
    this.options.metrics?.readerFailed(reader);
  }

  /** Loads a case's document from the store (without building it: see `doc`). */
  static async load(caseId: string, options: CaseRoomOptions): Promise<CaseRoom> {
    return new CaseRoom(caseId, await options.store.loadDocument(caseId), options);
  }

  /** The case's Y.Doc, built from the stored bytes on first use. */
  get doc(): Y.Doc {
    this.build();
    return this.ydoc;
  }

  get built(): boolean {
    return this.stored === null;
  }

  /** Runs `callback` once the document is built (at once if it is). */
  whenBuilt(callback: () => void): void {
    if (this.built) callback();
    else this.onBuilt.push(callback);
  }

  /** Takes `stored` as what the document will be built from, and counts its log for `logIsLong`. */
  private adoptStored(stored: StoredDocument): void {
    this.stored = stored;
    this.pristineSnapshot = stored.updates.length === 0 ? stored.snapshot : null;
    this.updatesSinceSnapshot = stored.updates.length;
    this.bytesSinceSnapshot = stored.updates.reduce((sum, update) => sum + update.byteLength, 0);
    this.snapshotBytes = stored.snapshot?.byteLength ?? 0;
  }

  private build(): void {
    const stored = this.stored;
    if (!stored) return;
    this.stored = null;
    // Loading replays what is already stored: no relaying, no re-persisting.
    applyStored(this.ydoc, stored, fromStore);
    for (const callback of this.onBuilt.splice(0)) callback();
    // A long log is folded now rather than read again by every later load.
    if (this.logIsLong()) void this.compact(stored.throughSeq);
  }

  /**
   * An update another hub node applied and stored: apply it here and relay it to this node's
   * connections (it is durable already, and that node told its own connections).
   */
  receiveFromPeer(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, fromPeer);
  }

  /** An awareness update relayed by another hub node. */
  receiveAwarenessFromPeer(update: Uint8Array): void {
    this.relayAwareness(this.awareness.apply(decodeAwarenessUpdate(update), Date.now()), null);
  }

  /**
   * Applies everything the store holds for this case (idempotent). Fills any gap left by a peer
   * update that never arrived, e.g. while the connection between nodes was down; whatever is new
   * reaches this node's connections.
   */
  async catchUp(): Promise<number> {
    const stored = await this.options.store.loadDocument(this.caseId);
    this.storedThrough = Math.max(this.storedThrough, stored.throughSeq);
    if (this.stored) {
      // Not built yet: the newer read replaces the old one (the store only ever grows).
      this.adoptStored(stored);
      return stored.throughSeq;
    }
    applyStored(this.doc, stored, fromPeer);
    return stored.throughSeq;
  }

  private get log(): Logger {
    return (this.roomLog ??= this.options.log.child({ caseId: this.caseId }));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  addConnection(connection: RoomConnection): void {
    this.connections.add(connection.id);
  }

  /** Forgets a connection and the awareness states it announced (others see its cursor vanish). */
  removeConnection(connection: RoomConnection): void {
    if (!this.connections.delete(connection.id)) return;
    const announced: number[] = [];
    for (const [clientId, owner] of this.awarenessOwners) if (owner === connection.id) announced.push(clientId);
    if (announced.length === 0) return;
    for (const clientId of announced) this.awarenessOwners.delete(clientId);
    this.relayAwareness(this.awareness.remove(announced), null);
  }

  hasConnection(connection: RoomConnection): boolean {
    return this.connections.has(connection.id);
  }

  /** The update that brings a peer with `stateVector` up to date (sync step 2). */
  diffFrom(stateVector?: Uint8Array): Uint8Array {
    // A newcomer to an unchanged document gets the stored snapshot as it is: nothing to encode.
    if (this.pristineSnapshot && (!stateVector || isEmptyStateVector(stateVector))) return this.pristineSnapshot;
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }

  /** This document's state vector (sync step 1), read from the stored snapshot while unbuilt. */
  stateVector(): Uint8Array {
    if (!this.built && this.pristineSnapshot) return Y.encodeStateVectorFromUpdate(this.pristineSnapshot);
    return Y.encodeStateVector(this.doc);
  }

  /** Folds the update log into a snapshot if anything was logged since the last one (the room is unloading). */
  async compactIfLogged(): Promise<void> {
    if (this.built && this.updatesSinceSnapshot > 0) await this.compact();
  }

  /**
   * Applies an update from a connection. Resolves once it (and everything before it) is durable;
   * throws `malformed_message` when it does not decode or Yjs cannot apply it, leaving the
   * document untouched.
   */
  receiveUpdate(update: Uint8Array, origin: RoomConnection): Promise<void> {
    // An empty update (what a fresh client answers the handshake with) changes nothing.
    if (isEmptyUpdate(update)) return this.durable;
    const { metrics } = this.options;
    metrics?.updateReceived(origin.transport);
    assertValidUpdate(update);
    this.tryOnTrial(update, origin);
    this.checkSize(update, origin);
    Y.applyUpdate(this.doc, update, fromConnection(origin));
    return this.durable;
  }

  /**
   * Applies an update to the trial replica and checks what it touched against the case document's
   * schema. A refused update leaves the trial replica rebuilt from the untouched document.
   */
  private tryOnTrial(update: Uint8Array, origin: RoomConnection): void {
    // Built on the first edit, not on load: a room that is only read never pays for a second copy.
    const trial = (this.trial ??= this.newTrial());
    const problems: DocumentProblem[] = [];
    this.checking = this.options.checkDocuments === false ? null : { author: origin.identity.userId, problems };
    try {
      Y.applyUpdate(trial, update);
    } catch {
      this.resetTrial();
      throw new CaseroomError('malformed_message', 'The document update could not be applied');
    } finally {
      this.checking = null;
    }
    // Structs that wait for others the hub does not have (a refused change, or one still to come)
    // never enter the room: Yjs keeps them for the whole document, so whatever arrived next from
    // anyone would complete them and be checked as that sender's, and the room would refuse every
    // other edit while they wait. A /yjs provider that sent a keystroke before its sync step 2 is
    // closed and sends both in order when it reconnects.
    if (trial.store.pendingStructs !== null || trial.store.pendingDs !== null) {
      this.resetTrial();
      throw new CaseroomError('missing_history');
    }
    if (problems.length > 0) this.refuse(problems, origin);
  }

  private refuse(problems: DocumentProblem[], origin: RoomConnection): never {
    this.resetTrial();
    const forged = problems.some((problem) => problem.forged);
    const paths = problems.map((problem) => problem.path);
    this.log.info(
      { userId: origin.identity.userId, connectionId: origin.id, transport: origin.transport, paths },
      forged ? "refused a fact recorded in someone else's name" : 'refused an edit that breaks the case document',
    );
    const first = problems[0]!;
    throw new CaseroomError(forged ? 'forged_author' : 'invalid_document', `${first.path || 'document'}: ${first.message}`, {
      details: { path: first.path, problems: problems.map(({ path, message }) => ({ path, message })) },
    });
  }

  private resetTrial(): void {
    this.trial?.destroy();
    this.trial = this.newTrial();
  }

  /**
   * A trial replica of the document, with the schema check listening to it for good: it checks
   * while a transaction ends, before Yjs collects what it deleted (telling an undo from a forgery
   * needs the values it replaced), and only an update from a connection (`checking`). A checker
   * that fails refuses the edit.
   */
  private newTrial(): Y.Doc {
    const trial = replicaOf(this.doc);
    trial.on('afterTransaction', (transaction: Y.Transaction) => {
      const checking = this.checking;
      if (!checking) return;
      try {
        checking.problems.push(...transactionProblems(transaction, checking.author));
      } catch (err) {
        this.log.error({ err }, 'checking an update against the case document schema failed');
        checking.problems.push({ path: '', message: 'The edit could not be checked' });
      }
    });
    return trial;
  }

  /**
   * Refuses an update (already applied to the trial replica) that grows the document past its
   * limit. Deleting content shrinks the encoded document, so a full case can still be tidied up.
   */
  private checkSize(update: Uint8Array, origin: RoomConnection): void {
    const limit = this.options.maxDocumentBytes;
    if (limit === undefined || this.sizeEstimate + update.byteLength <= limit || !this.trial) return;
    const size = Y.encodeStateAsUpdate(this.trial).byteLength;
    if (size <= limit) {
      // The doc's update handler adds this update back on.
      this.sizeEstimate = size - update.byteLength;
      return;
    }
    this.resetTrial();
    this.log.warn(
      { size, limit, userId: origin.identity.userId, connectionId: origin.id, transport: origin.transport },
      'refused an update that would grow the case document past its limit',
    );
    throw new CaseroomError('document_too_large', `The case document may not grow past ${limit} bytes (this edit would make it ${size})`);
  }

  /** What in this document breaks the schema (one stored before the schema existed, say). */
  problems(): DocumentProblem[] {
    return documentProblems(this.doc);
  }

  /**
   * Removes whatever breaks the schema as one ordinary edit by `by`: checked, stored, relayed and
   * turned into events like any other. Resolves with what was removed once that edit is durable.
   */
  async repair(by: RoomConnection): Promise<DocumentProblem[]> {
    // Worked out on a copy, so that the edit reaches `doc` the way every edit does.
    const replica = replicaOf(this.doc);
    const updates: Uint8Array[] = [];
    replica.on('update', (update: Uint8Array) => updates.push(update));
    const removed = repairDocument(replica);
    replica.destroy();
    for (const update of updates) await this.receiveUpdate(update, by);
    return removed;
  }

  /**
   * Applies an awareness update from a connection. Entries for client ids another connection
   * announced are dropped (no speaking for someone else's cursor), and every state passes the
   * room's awareness filter first.
   */
  receiveAwareness(update: Uint8Array, origin: RoomConnection): void {
    if (!this.connections.has(origin.id)) return;
    const { filterAwareness } = this.options;
    const accepted = decodeAwarenessUpdate(update).filter((entry) => {
      const speaker = this.awarenessOwners.get(entry.clientId);
      return speaker === undefined || speaker === origin.id;
    });
    for (const entry of accepted) {
      if (entry.state === null) {
        this.awarenessOwners.delete(entry.clientId);
      } else {
        this.awarenessOwners.set(entry.clientId, origin.id);
        if (filterAwareness) entry.state = filterAwareness(entry.state, origin);
      }
    }
    if (accepted.length > 0) this.relayAwareness(this.awareness.apply(accepted, Date.now()), origin);
  }

  /** Drops the awareness states their clients stopped renewing; the rooms registry calls it for every room. */
  expireAwareness(now: number): void {
    this.relayAwareness(this.awareness.expire(now), null);
  }

  /** Every awareness state currently known, encoded for a newcomer. */
  awarenessSnapshot(): Uint8Array | null {
    return this.awareness.snapshot();
  }

  /** Tells the other nodes the awareness entries a connection here changed, and every transport those of any change. */
  private relayAwareness(clientIds: number[], from: RoomConnection | null): void {
    if (clientIds.length === 0) return;
    const update = this.awareness.encode(clientIds);
    if (from) for (const peer of this.options.peers) peer.publishAwareness(this.caseId, update);
    for (const relay of this.options.relays) relay.relayAwareness(this.caseId, update, from);
  }

  /** Resolves when every update applied so far is durable. */
  flushed(): Promise<void> {
    return this.durable;
  }

  destroy(): void {
    this.onBuilt.length = 0;
    this.relayBatch?.cancel();
    this.ydoc.destroy();
    this.trial?.destroy();
  }

  private persistAndRelay(update: Uint8Array, origin: Origin | null): void {
    if (origin === fromStore) return;
    const { metrics } = this.options;
    if (origin === fromPeer) {
      // Stored by whoever made it; only this node's connections still need it.
      this.relay(update, null);
      metrics?.updateRelayed('peer');
      return;
    }
    const from = connectionOf(origin);
    const applied = performance.now();
    // Relayed at once, in the order applied: the others converge whether or not this node lives to
    // store it (a crash before the write leaves the edit in their replicas and the sender's, and
    // the next handshake brings it back). Only the sender's acknowledgement waits for the write.
    this.publish(update);
    this.relay(update, from);
    metrics?.updateRelayed('local');
    const write = this.options.store.appendUpdate(this.caseId, update).then(
      (seq) => {
        this.storedThrough = Math.max(this.storedThrough, seq);
        metrics?.updateStored((performance.now() - applied) / 1000);
      },
      (err: unknown) => {
        this.log.error({ err }, 'storing a document update failed');
        throw new CaseroomError(
          'store_unavailable',
          'The edit could not be stored; it stays in your document and is sent again on reconnect',
        );
      },
    );
    // Chained so that acknowledgements resolve in the order updates were applied; one failed
    // write fails only the acknowledgements that wait for it, not every later one.
    this.durable = Promise.all([this.durable.catch(() => undefined), write]).then(() => {
      this.updatesSinceSnapshot++;
      this.bytesSinceSnapshot += update.byteLength;
      if (this.logIsLong()) void this.compact();
    });
    this.durable.catch(() => undefined);
  }

  /** Queues an update for this node's transports, merged with the room's others of this relay interval. */
  private relay(update: Uint8Array, sender: RoomConnection | null): void {
    this.relayBatch ??= new RelayBatch(this.caseId, this.options.relayIntervalMs, (relayed) => this.relayUpdates(relayed));
    this.relayBatch.add(update, sender);
  }

  /** Hands a batch to every transport; one failing neither stops the others nor the room. */
  private relayUpdates(relayed: RelayedUpdates): void {
    for (const relay of this.options.relays) {
      try {
        relay.relayUpdates(relayed);
      } catch (err) {
        this.readerFailed('relay', err);
      }
    }
  }

  /** Hands an update made here to the other nodes, at once: each merges it for its own connections. */
  private publish(update: Uint8Array): void {
    for (const peer of this.options.peers) {
      try {
        peer.publishUpdate(this.caseId, update);
      } catch (err) {
        this.readerFailed('relay', err);
      }
    }
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
   * Folds the update log into a snapshot of this document. Other nodes may have stored updates
   * this one has not applied yet, so it first catches up with the store: the snapshot then holds
   * every update up to the sequence number it replaces. At load time the document was just built
   * from the store, so `appliedThrough` skips that read.
   */
  private async compact(appliedThrough?: number): Promise<void> {
    if (this.compacting) return;
    this.compacting = true;
    try {
      const counted = this.updatesSinceSnapshot;
      const countedBytes = this.bytesSinceSnapshot;
      // Alone on the store, this document holds every update stored so far; in a cluster, other
      // nodes' updates may still be on their way here, so the store is read first.
      const throughSeq = appliedThrough ?? (this.options.catchUpAfterLoad ? await this.catchUp() : this.storedThrough);
      const snapshot = Y.encodeStateAsUpdate(this.doc);
      await this.options.store.compact(this.caseId, snapshot, throughSeq);
      this.updatesSinceSnapshot -= counted;
      this.bytesSinceSnapshot -= countedBytes;
      this.snapshotBytes = snapshot.byteLength;
      this.log.debug({ throughSeq }, 'document compacted');
    } catch (err) {
      this.log.error({ err }, 'compacting the document failed');
    } finally {
      this.compacting = false;
    }
  }
}

/**
 * Applies what the store holds for a case, as one transaction. A function of its own so that no
 * closure of the room keeps a stored snapshot and log alive once they are applied.
 */
function applyStored(doc: Y.Doc, stored: StoredDocument, origin: Origin): void {
  doc.transact(() => {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const update of stored.updates) Y.applyUpdate(doc, update);
  }, origin);
}

/** A state vector that knows no client: the count 0. */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.length === 1 && stateVector[0] === 0;
}

/** No structs and no deletions: the two zero counts of an update with nothing in it. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

function replicaOf(doc: Y.Doc): Y.Doc {
  const replica = new Y.Doc({ gc: true });
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
  return replica;
}
