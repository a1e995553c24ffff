/**
 * A live case document: the Y.Doc and who is connected to it. The room applies updates and tells
 * its parts, each of which does one job: the gate tries every update from a connection before the
 * document sees it (UpdateGate), the log keeps the document in the store and builds it on first use
 * (DocumentLog), the awareness keeps cursors and who speaks for them (RoomAwareness), and the relay
 * batch merges what goes out to this node's transports (RelayBatch). The transaction origin of an
 * update (Origin) says what it still needs.
 *
 * An update from a connection is checked, applied and queued for relaying at once; the sender's
 * acknowledgement waits until it is durable. The others converge whether or not this node lives to
 * store it (a crash before the write leaves the edit in their replicas and the sender's, and the
 * next handshake brings it back).
 */
import { documentProblems, repairDocument, type DocumentProblem } from '@caseroom/shared';
import * as Y from 'yjs';
import type { Logger } from '../logger.js';
import type { StoredDocument } from '../store/CaseStore.js';
import { DocumentLog, type DocumentLogOptions } from './DocumentLog.js';
import { fromConnection, fromPeer, originOf } from './Origin.js';
import { RelayBatch } from './RelayBatch.js';
import { RoomAwareness, type AwarenessFilter } from './RoomAwareness.js';
import type { PeerRelay, RelayedUpdates, RoomConnection, RoomRelay } from './RoomConnection.js';
import { UpdateGate, type UpdateGateOptions } from './UpdateGate.js';

export interface CaseRoomOptions extends DocumentLogOptions, UpdateGateOptions {
  /** this node's transports */
  relays: readonly RoomRelay[];
  /** the other hub nodes (none on a single node) */
  peers: readonly PeerRelay[];
  /** at most one relay of a case's updates per this many milliseconds (0: one per turn) */
  relayIntervalMs: number;
  log: Logger;
  /** rewrites each incoming awareness state before others see it (the people plane's policy) */
  filterAwareness?: AwarenessFilter;
}

export class CaseRoom {
  readonly caseId: string;
  /** empty until built: see `doc` */
  private readonly ydoc: Y.Doc;
  private readonly documentLog: DocumentLog;
  /** made on the first update from a connection: a room that is only read needs none */
  private gate: UpdateGate | null = null;
  /** made on the first update to relay */
  private relayBatch: RelayBatch | null = null;
  private readonly awareness: RoomAwareness;
  private readonly onBuilt: Array<() => void> = [];
  /** ids of the connections in the room */
  private readonly connections = new Set<string>();
  private readonly options: CaseRoomOptions;
  /** made on first use: most rooms never log anything */
  private roomLog: Logger | null = null;

  private constructor(caseId: string, stored: StoredDocument, options: CaseRoomOptions) {
    this.caseId = caseId;
    this.options = options;
    this.ydoc = new Y.Doc({ gc: true });
    this.documentLog = new DocumentLog(caseId, this.ydoc, stored, options, this);
    this.awareness = new RoomAwareness(options.filterAwareness);
    this.ydoc.on('update', (update: Uint8Array, origin: unknown) => this.applied(update, origin));
  }

  /** Loads a case's document from the store (without building it: see `doc`). */
  static async load(caseId: string, options: CaseRoomOptions): Promise<CaseRoom> {
    return new CaseRoom(caseId, await DocumentLog.read(options.store, caseId), options);
  }

  /** The room's logger, bound to its case. */
  get log(): Logger {
    return (this.roomLog ??= this.options.log.child({ caseId: this.caseId }));
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

  /** The case's Y.Doc, built from the stored bytes on first use. */
  get doc(): Y.Doc {
    if (this.documentLog.applyStored()) for (const callback of this.onBuilt.splice(0)) callback();
    return this.ydoc;
  }

  get built(): boolean {
    return this.documentLog.applied;
  }

  /** Runs `callback` once the document is built (at once if it is). */
  whenBuilt(callback: () => void): void {
    if (this.built) callback();
    else this.onBuilt.push(callback);
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
    this.relayAwareness(this.awareness.receiveFromPeer(update), null);
  }

  /** Applies whatever the store holds that this node has not seen (see DocumentLog.catchUp). */
  catchUp(): Promise<number> {
    return this.documentLog.catchUp();
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
    this.relayAwareness(this.awareness.forget(connection), null);
  }

  hasConnection(connection: RoomConnection): boolean {
    return this.connections.has(connection.id);
  }

  /** The update that brings a peer with `stateVector` up to date (sync step 2). */
  diffFrom(stateVector?: Uint8Array): Uint8Array {
    // A newcomer to an unchanged document gets the stored snapshot as it is: nothing to encode.
    const snapshot = this.documentLog.pristineSnapshot;
    if (snapshot && (!stateVector || isEmptyStateVector(stateVector))) return snapshot;
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }

  /** This document's state vector (sync step 1), read from the stored snapshot while unbuilt. */
  stateVector(): Uint8Array {
    const snapshot = this.documentLog.pristineSnapshot;
    if (!this.built && snapshot) return Y.encodeStateVectorFromUpdate(snapshot);
    return Y.encodeStateVector(this.doc);
  }

  /** Folds the update log into a snapshot if anything was logged since the last one (the room is unloading). */
  compactIfLogged(): Promise<void> {
    return this.documentLog.compactIfLogged();
  }

  /**
   * Applies an update from a connection. Resolves once it (and everything before it) is durable;
   * throws the gate's refusal (see UpdateGate.admit), leaving the document untouched.
   */
  receiveUpdate(update: Uint8Array, from: RoomConnection): Promise<void> {
    // An empty update (what a fresh client answers the handshake with) changes nothing.
    if (isEmptyUpdate(update)) return this.documentLog.flushed();
    this.options.metrics?.updateReceived(from.transport);
    (this.gate ??= new UpdateGate(this.doc, this.options, this)).admit(update, from);
    Y.applyUpdate(this.doc, update, fromConnection(from));
    return this.documentLog.flushed();
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
    const replica = new Y.Doc({ gc: true });
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(this.doc));
    const updates: Uint8Array[] = [];
    replica.on('update', (update: Uint8Array) => updates.push(update));
    const removed = repairDocument(replica);
    replica.destroy();
    for (const update of updates) await this.receiveUpdate(update, by);
    return removed;
  }

  /** Applies an awareness update from a connection in the room (see RoomAwareness.receive). */
  receiveAwareness(update: Uint8Array, from: RoomConnection): void {
    if (!this.connections.has(from.id)) return;
    this.relayAwareness(this.awareness.receive(update, from), from);
  }

  /** Drops the awareness states their clients stopped renewing; the rooms registry calls it for every room. */
  expireAwareness(now: number): void {
    this.relayAwareness(this.awareness.expire(now), null);
  }

  /** Every awareness state currently known, encoded for a newcomer. */
  awarenessSnapshot(): Uint8Array | null {
    return this.awareness.snapshot();
  }

  /** Resolves when every update applied so far is durable. */
  flushed(): Promise<void> {
    return this.documentLog.flushed();
  }

  destroy(): void {
    this.onBuilt.length = 0;
    this.relayBatch?.cancel();
    this.ydoc.destroy();
    this.gate?.destroy();
  }

  /** Every update the document applies: what it still needs depends on where it came from. */
  private applied(update: Uint8Array, transactionOrigin: unknown): void {
    const origin = originOf(transactionOrigin);
    this.gate?.applied(update, origin);
    // A replay of the store: stored already, and nobody to tell.
    if (origin?.kind === 'store') return;
    this.documentLog.diverged();
    if (origin?.kind === 'peer') {
      // Stored by the node that made it, which told the other nodes; only this node's connections need it.
      this.relay(update, null);
      this.options.metrics?.updateRelayed('peer');
      return;
    }
    // Made on this node, by a connection through the gate: everyone needs it, and the store.
    this.publish(update);
    this.relay(update, origin?.connection ?? null);
    this.options.metrics?.updateRelayed('local');
    this.documentLog.append(update);
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

  /** Tells the other nodes the awareness entries a connection here changed, and every transport those of any change. */
  private relayAwareness(clientIds: number[], from: RoomConnection | null): void {
    if (clientIds.length === 0) return;
    const update = this.awareness.encode(clientIds);
    if (from) for (const peer of this.options.peers) peer.publishAwareness(this.caseId, update);
    for (const relay of this.options.relays) relay.relayAwareness(this.caseId, update, from);
  }
}

/** A state vector that knows no client: the count 0. */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.length === 1 && stateVector[0] === 0;
}

/** No structs and no deletions: the two zero counts of an update with nothing in it. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
