/**
 * One open case in an agent app: the live Y.Doc with typed helpers, awareness, and the sync
 * bookkeeping that makes offline edits safe. Edits made while disconnected stay in the Y.Doc and
 * reach the server through the sync handshake when the socket comes back.
 */
import {
  CaseDocument,
  CaseroomError,
  decodeSyncMessage,
  encodeSyncStep2,
  encodeUpdate,
  unowned,
  type Ack,
  type Approval,
  type ApprovalInput,
  type ApprovalUpdate,
  type CaseRecord,
  type Ownership,
  type OwnershipChange,
  type OwnerUpdate,
  type Person,
  type PresenceStatus,
  type RosterMember,
  type RosterUpdate,
  type FactBook,
  type StepList,
} from '@caseroom/shared';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { asBytes } from './bytes.js';
import { Emitter } from './Emitter.js';
import { request, type ClientSocket } from './request.js';
import type { TokenRefresh } from './TokenRefresh.js';

export type SessionStatus = 'connecting' | 'synced' | 'offline' | 'closed';

export interface CaseSessionEvents {
  [event: string]: unknown[];
  /** connecting -> synced, offline while the socket is down, closed at the end */
  status: [status: SessionStatus];
  /** a request for this case was refused (the session stays usable unless status is `closed`) */
  error: [error: CaseroomError];
  /** who is in the room changed (`change` is null when the whole roster arrived on join) */
  roster: [members: RosterMember[], change: RosterUpdate['change'] | null];
  /** the owner or a handoff offer changed (`change` is null when the state arrived on join) */
  owner: [owner: CaseOwner | null, ownership: Ownership, change: OwnershipChange | null];
  /** the case record changed (status) */
  case: [record: CaseRecord];
  /** an approval request of this case opened or changed (`update` is null when the list arrived on join) */
  approvals: [approvals: Approval[], update: ApprovalUpdate | null];
}

/** The owner of a case as the SDK shows it: who, and whether they are in the room right now. */
export interface CaseOwner extends Person {
  online: boolean;
}

/** Codes after which retrying cannot help: the session closes. (`token_expired` can: a fresh token.) */
const finalCodes = new Set(['unknown_case', 'forbidden', 'invalid_token', 'token_revoked', 'unauthenticated']);
/**
 * Refusals of an edit that pass (a rate limit, a store hiccup, an edit that arrived before one it
 * builds on): a resync sends it again later, with everything else the hub lacks.
 */
const resendCodes = new Set(['rate_limited', 'store_unavailable', 'missing_history']);
/** Refusals of an edit the hub will never take as it is: the session takes the edit back. */
const takeBackCodes = new Set(['invalid_document', 'forged_author']);

/** Tracks a transaction whatever its origin: which ones count is `captureTransaction`'s to say. */
class EveryOrigin extends Set<unknown> {
  override has(): boolean {
    return true;
  }
}

function changedAnything(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) if (clock !== (transaction.beforeState.get(client) ?? 0)) return true;
  return false;
}

/** Marks changes that came from the server, so they are not sent back. */
const fromServer = Symbol('caseroom-server');

export class CaseSession extends Emitter<CaseSessionEvents> {
  readonly caseId: string;
  /** The case's Y.Doc; bind editors to it or use the typed helpers. */
  readonly doc: Y.Doc;
  /** Typed access to notes, steps and facts. */
  readonly document: CaseDocument;
  /** Cursors, selections, typing; set your own with `awareness.setLocalStateField(...)`. */
  readonly awareness: awarenessProtocol.Awareness;
  /** Resolves when the document first matches the server's; rejects if the case cannot be opened. */
  readonly synced: Promise<void>;

  private readonly socket: ClientSocket;
  private readonly tokens: TokenRefresh;
  private readonly onClosed: (session: CaseSession) => void;
  private currentStatus: SessionStatus = 'offline';
  private record: CaseRecord | null = null;
  private me: Person | null = null;
  private members: RosterMember[] = [];
  private currentOwnership: Ownership = unowned;
  private wantedStatus: PresenceStatus = 'active';
  private approvalList: Approval[] = [];
  /** bumped on every (re)connect; answers from an older connection are ignored */
  private generation = 0;
  private joined = false;
  private retries = 0;
  /** local edits the server has not acknowledged yet, on this connection */
  private inFlight = 0;
  /** local edits made while another was in flight; they go out as one update when it is acknowledged */
  private held: Uint8Array[] = [];
  /** local edits that happened while not joined, or that the hub refused for now; the next handshake sends them */
  private unsent = false;
  /**
   * Every local edit not yet known to be stored, one stack item each, oldest first, so that an
   * edit the hub refuses for good can be taken back. Cleared whenever everything is stored.
   */
  private readonly localEdits: Y.UndoManager;
  /** how many of `localEdits`' items (from the bottom) the hub has stored */
  private storedEdits = 0;
  /** how many of them went out in a message on this connection */
  private sentEdits = 0;
  /** while taking edits back: the updates that do it, sent together with what was refused */
  private takingBack: Uint8Array[] | null = null;
  private resyncTimer: ReturnType<typeof setTimeout> | null = null;
  private flushWaiters: Array<() => void> = [];
  private resolveSynced!: () => void;
  private rejectSynced!: (err: CaseroomError) => void;

  /** @internal created by `CaseClient.openCase` */
  constructor(caseId: string, socket: ClientSocket, tokens: TokenRefresh, onClosed: (session: CaseSession) => void) {
    super();
    this.caseId = caseId;
    this.socket = socket;
    this.tokens = tokens;
    this.onClosed = onClosed;
    this.doc = new Y.Doc();
    // Facts are recorded in your name, which the hub tells on join.
    this.document = new CaseDocument(this.doc, { author: () => this.me?.userId ?? null });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // Nobody has to await `synced`; a refusal is also reported through `error`.
    this.synced.catch(() => undefined);
    this.doc.on('update', this.onLocalUpdate);
    this.localEdits = new Y.UndoManager(this.doc, {
      captureTimeout: 0,
      trackedOrigins: new EveryOrigin(),
      // Local edits only, one item for each update they send: what the server sent is not ours
      // to take back, and a transaction that changed nothing sends nothing.
      captureTransaction: (transaction) => transaction.local && changedAnything(transaction),
    });
    this.awareness.on('update', (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      if (origin === fromServer || !this.joined) return;
      const changed = [...change.added, ...change.updated, ...change.removed];
      this.send('doc:awareness', awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    });
  }

  get notes(): Y.Text {
    return this.document.notes;
  }

  get steps(): StepList {
    return this.document.steps;
  }

  get facts(): FactBook {
    return this.document.facts;
  }

  get status(): SessionStatus {
    return this.currentStatus;
  }

  /** Who the hub knows you as (null before the first join). */
  get you(): Person | null {
    return this.me;
  }

  /** The case record as the server returned it on the last join (null before the first). */
  get case(): CaseRecord | null {
    return this.record;
  }

  /** Everyone in the case room, one entry per person (with how many tabs they have open). */
  get roster(): RosterMember[] {
    return this.members;
  }

  /** The case's single owner, or null while unowned. Stays the owner while offline. */
  get owner(): CaseOwner | null {
    const owner = this.currentOwnership.owner;
    if (!owner) return null;
    const member = this.members.find((m) => m.userId === owner.userId);
    return { ...owner, online: member !== undefined && member.connections > 0 };
  }

  /** Owner, fencing epoch and any pending handoff offer. */
  get ownership(): Ownership {
    return this.currentOwnership;
  }

  /** Claims the case (first responder). Rejects with `already_owned` (details.owner), `cannot_own`, ... */
  claim(): Promise<Ownership> {
    return this.ownershipRequest('owner:claim', { caseId: this.caseId });
  }

  /** Owner only: offers the case to a person of the team, who can accept or decline. */
  offerHandoff(userId: string): Promise<Ownership> {
    return this.ownershipRequest('owner:offer', { caseId: this.caseId, userId });
  }

  /** Takes the case offered to you. */
  acceptHandoff(): Promise<Ownership> {
    return this.ownershipRequest('owner:accept', { caseId: this.caseId });
  }

  /** Turns down the case offered to you; the owner stays. */
  declineHandoff(): Promise<Ownership> {
    return this.ownershipRequest('owner:decline', { caseId: this.caseId });
  }

  /** Supervisors only: gives the case to a person directly. */
  reassign(userId: string): Promise<Ownership> {
    return this.ownershipRequest('owner:reassign', { caseId: this.caseId, userId });
  }

  /** Owner only, once the case is resolved: lets go of it. */
  release(): Promise<Ownership> {
    return this.ownershipRequest('owner:release', { caseId: this.caseId });
  }

  /** Owner or supervisor: marks the case resolved. */
  resolve(): Promise<CaseRecord> {
    return this.caseRequest('case:resolve');
  }

  /** Owner or supervisor: reopens a resolved case. */
  reopen(): Promise<CaseRecord> {
    return this.caseRequest('case:reopen');
  }

  /** Sets your status in this room (active, idle, away); kept across reconnects. */
  async setStatus(status: PresenceStatus): Promise<void> {
    this.wantedStatus = status;
    await this.joinedRequest('presence:status', { caseId: this.caseId, status });
  }

  /** This case's approval requests, oldest first, kept current. */
  get approvals(): Approval[] {
    return this.approvalList;
  }

  /**
   * Asks a peer for approval of something outside policy. Broadcast to the room and to every
   * connected associate of the team. Rejects with `invalid_amount`, `invalid_payload`, ...
   */
  async requestApproval(input: ApprovalInput): Promise<Approval> {
    const { approval } = await this.joinedRequest('approval:request', { ...input, caseId: this.caseId });
    this.adoptApproval(approval);
    return approval;
  }

  /** Resolves once every local edit made so far has been stored by the server. */
  flushed(): Promise<void> {
    if (this.isFlushed()) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /** Leaves the case. The Y.Doc stays readable; nothing more is sent or received. */
  async close(): Promise<void> {
    if (this.currentStatus === 'closed') return;
    const wasJoined = this.joined && this.socket.connected;
    this.shutDown();
    // Not awaited: the hub may be gone already, and it forgets the case with the socket anyway.
    if (wasJoined) this.socket.emit('case:leave', { caseId: this.caseId }, () => undefined);
  }

  /** @internal the socket (re)connected: join and run the sync handshake */
  connected(): void {
    if (this.currentStatus === 'closed' || !this.socket.connected) return;
    const generation = ++this.generation;
    this.setSessionStatus('connecting');
    // A callback, not a promise: `joined` must be set before the server's step 1, which can be
    // decoded in the same turn as this acknowledgement, is handled.
    // Our state vector rides along: the acknowledgement brings what we lack, with no second round trip.
    this.socket.emit('case:join', { caseId: this.caseId, stateVector: Y.encodeStateVector(this.doc) }, (joinAck) => {
      if (generation !== this.generation) return;
      if (!joinAck.ok) {
        this.fail(CaseroomError.fromWire(joinAck.error));
        return;
      }
      this.record = joinAck.case;
      this.me = joinAck.you;
      this.joined = true;
      this.retries = 0;
      this.members = joinAck.roster;
      this.currentOwnership = joinAck.ownership;
      this.approvalList = joinAck.approvals;
      this.emit('approvals', this.approvalList, null);
      this.emit('roster', this.members, null);
      this.emit('owner', this.owner, this.currentOwnership, null);
      if (this.wantedStatus !== 'active') {
        this.socket.emit('presence:status', { caseId: this.caseId, status: this.wantedStatus }, () => undefined);
      }
      if (this.awareness.getLocalState() !== null) {
        this.send('doc:awareness', awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]));
      }
      if (joinAck.update) this.applyServerUpdate(asBytes(joinAck.update));
      this.setSessionStatus('synced');
      this.resolveSynced();
      this.notifyIfFlushed();
    });
  }

  /** @internal the socket dropped: everything unacknowledged is resent by the next handshake */
  disconnected(): void {
    if (this.currentStatus === 'closed') return;
    this.generation++;
    if (this.inFlight > 0) this.unsent = true;
    this.inFlight = 0;
    this.held = [];
    this.sentEdits = this.storedEdits;
    this.joined = false;
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, fromServer);
    this.setSessionStatus('offline');
  }

  /** @internal a fresh token is in force: edits refused while the old one was expired go out now */
  tokenRefreshed(): void {
    if (this.unsent && this.joined) this.resyncLater(0);
  }

  /** @internal the client could not connect at all (the token was refused) or was revoked: no reconnection follows */
  refused(error: CaseroomError): void {
    this.emit('error', error);
    this.rejectSynced(error);
    this.shutDown();
  }

  /** @internal a `doc:sync` message from the server */
  receiveSync(payload: Uint8Array | ArrayBuffer): void {
    const message = asBytes(payload);
    if (!this.joined) return;
    try {
      this.applyServerMessage(message);
    } catch (err) {
      this.emit('error', err instanceof CaseroomError ? err : new CaseroomError('malformed_message'));
    }
  }

  /** @internal a `roster` message from the server */
  receiveRoster(update: RosterUpdate): void {
    if (!this.joined) return;
    this.members = update.members;
    this.emit('roster', this.members, update.change);
    // The owner's online flag derives from the roster.
    if (this.currentOwnership.owner?.userId === update.change.userId) this.emit('owner', this.owner, this.currentOwnership, null);
  }

  /** @internal an `owner` message from the server; the epoch discards anything older than what we have */
  receiveOwner(update: OwnerUpdate): void {
    if (!this.joined) return;
    if (this.adoptOwnership(update.ownership)) this.emit('owner', this.owner, this.currentOwnership, update.change);
  }

  /** @internal an `approval` message about this case */
  receiveApproval(update: ApprovalUpdate): void {
    if (this.adoptApproval(update.approval)) this.emit('approvals', this.approvalList, update);
  }

  /** @internal a `case:updated` message from the server */
  receiveCase(record: CaseRecord): void {
    this.record = record;
    this.emit('case', record);
  }

  /** @internal a `doc:awareness` message from the server */
  receiveAwareness(update: Uint8Array | ArrayBuffer): void {
    if (this.joined) awarenessProtocol.applyAwarenessUpdate(this.awareness, asBytes(update), fromServer);
  }

  /** Keeps the newest version of each request; false when `approval` is not newer than what we have. */
  private adoptApproval(approval: Approval): boolean {
    const index = this.approvalList.findIndex((a) => a.id === approval.id);
    if (index >= 0 && this.approvalList[index]!.version >= approval.version) return false;
    this.approvalList = index >= 0 ? this.approvalList.map((a, i) => (i === index ? approval : a)) : [...this.approvalList, approval];
    return true;
  }

  private adoptOwnership(ownership: Ownership): boolean {
    if (ownership.epoch <= this.currentOwnership.epoch) return false;
    this.currentOwnership = ownership;
    return true;
  }

  private async ownershipRequest(
    event: 'owner:claim' | 'owner:offer' | 'owner:accept' | 'owner:decline' | 'owner:reassign' | 'owner:release',
    payload: { caseId: string; userId?: string },
  ): Promise<Ownership> {
    const { ownership } = await this.joinedRequest(event, payload as { caseId: string; userId: string });
    if (this.adoptOwnership(ownership)) this.emit('owner', this.owner, ownership, null);
    return ownership;
  }

  /** A request about this case: refused with `not_connected` until the session has joined. */
  private joinedRequest<E extends Parameters<typeof request>[1]>(event: E, payload: Parameters<typeof request<E>>[2]) {
    if (!this.joined)
      return Promise.reject(new CaseroomError('not_connected', 'The case is not open on the hub yet; await session.synced'));
    return request(this.socket, event, payload, () => this.tokens.refresh());
  }

  private async caseRequest(event: 'case:resolve' | 'case:reopen'): Promise<CaseRecord> {
    const { case: record } = await this.joinedRequest(event, { caseId: this.caseId });
    this.record = record;
    return record;
  }

  private applyServerMessage(bytes: Uint8Array): void {
    // The hub checked every update before relaying it; applying it is the one decode it needs.
    const message = decodeSyncMessage(bytes, { checkBody: false });
    if (message.type === 'step1') {
      // The server's half of the handshake: send it everything it lacks, including offline edits.
      // With nothing unsent it lacks nothing of ours, and the answer (which always carries every
      // deletion we know of) would only make it read its whole document.
      if (!this.unsent) return;
      const missing = Y.encodeStateAsUpdate(this.doc, message.stateVector);
      this.unsent = false;
      this.track(missing, encodeSyncStep2(missing));
    } else {
      this.applyFromServer(message.update);
    }
  }

  /** The document the join acknowledgement brought; a broken one is reported, not thrown. */
  private applyServerUpdate(update: Uint8Array): void {
    try {
      this.applyFromServer(update);
    } catch {
      this.emit('error', new CaseroomError('malformed_message', 'The case document from the server could not be applied'));
    }
  }

  /** Sends every change made here; what the server sent is applied with it detached (see applyFromServer). */
  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === fromServer) return;
    if (this.takingBack) this.takingBack.push(update);
    else this.sendUpdate(update);
  };

  /**
   * Applies what the server sent. Our update listener is detached meanwhile: it would ignore the
   * result, and while anyone listens Yjs encodes every applied change once more to tell them,
   * which for a newcomer's first sync is the whole document.
   */
  private applyFromServer(update: Uint8Array): void {
    this.doc.off('update', this.onLocalUpdate);
    try {
      Y.applyUpdate(this.doc, update, fromServer);
    } finally {
      this.doc.on('update', this.onLocalUpdate);
    }
  }

  /**
   * Sends a local edit. One message is in flight at a time: edits made before its acknowledgement
   * are held and then sent merged. An edit waits at most one round trip, and a burst of them (fast
   * typing, a paste, a script) costs the hub and everyone in the room one message per round trip
   * instead of one per keystroke.
   */
  private sendUpdate(update: Uint8Array): void {
    if (!this.joined || !this.socket.connected) {
      this.unsent = true;
      return;
    }
    // A resync is coming: its handshake sends this with everything else the hub lacks. Sent now,
    // it would arrive before what it builds on.
    if (this.unsent) return;
    if (this.inFlight > 0) {
      this.held.push(update);
      return;
    }
    this.track(update, encodeUpdate(update));
  }

  /**
   * Sends `update` (as `message`) and counts it in flight until the server acknowledges it as
   * stored, then sends what was held. It carries the local edits made since the last message.
   */
  private track(update: Uint8Array, message: Uint8Array): void {
    const generation = this.generation;
    const edits = this.localEdits.undoStack.length - this.sentEdits;
    this.sentEdits += edits;
    this.inFlight++;
    this.socket.emitWithAck('doc:sync', this.caseId, message).then(
      (response: Ack<object>) => {
        if (generation !== this.generation) return;
        this.inFlight--;
        if (response.ok) {
          this.storedEdits += edits;
        } else {
          const error = CaseroomError.fromWire(response.error);
          this.emit('error', error);
          if (resendCodes.has(error.code)) this.resyncLater();
          if (takeBackCodes.has(error.code)) this.takeBack(update, edits, error);
          // Sent again by the handshake that follows the fresh token (see tokenRefreshed).
          if (error.code === 'token_expired') this.unsent = true;
        }
        this.sendHeld();
        this.notifyIfFlushed();
      },
      () => undefined,
    );
  }

  /**
   * The hub refused `refused` for good (it breaks the case document): every local edit it has not
   * stored is undone here, and the undoing goes to the hub together with what it undoes, which the
   * hub takes as one edit that leaves its document as it was. Edits made while the refused one was
   * in flight go too: they may build on it. The document is then the hub's again.
   */
  private takeBack(refused: Uint8Array, edits: number, error: CaseroomError): void {
    if (edits === 0) {
      // It carried only an earlier take-back: the hub cannot be reconciled with this replica.
      this.emit('error', new CaseroomError(error.code, 'This copy of the case cannot be reconciled with the hub; open the case again'));
      this.shutDown();
      return;
    }
    const stored = this.localEdits.undoStack.splice(0, this.storedEdits);
    const undone: Uint8Array[] = (this.takingBack = []);
    try {
      while (this.localEdits.undoStack.length > 0) this.localEdits.undo();
    } finally {
      this.takingBack = null;
      this.localEdits.undoStack.unshift(...stored);
      this.localEdits.clear(false, true);
    }
    this.sentEdits = this.storedEdits;
    const held = this.held;
    this.held = [];
    this.sendUpdate(Y.mergeUpdates([refused, ...held, ...undone]));
  }

  private sendHeld(): void {
    if (this.inFlight > 0 || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    // A resync is coming: its handshake sends these along with everything else the hub lacks.
    if (this.unsent) return;
    this.sendUpdate(held.length === 1 ? held[0]! : Y.mergeUpdates(held));
  }

  private send(event: 'doc:awareness', payload: Uint8Array): void {
    if (!this.socket.connected) return;
    this.socket.emit(event, this.caseId, payload, (response) => {
      if (!response.ok) this.emit('error', CaseroomError.fromWire(response.error));
    });
  }

  private isFlushed(): boolean {
    return this.joined && this.inFlight === 0 && !this.unsent;
  }

  private notifyIfFlushed(): void {
    if (!this.isFlushed()) return;
    // Everything is stored: nothing left to take back.
    this.localEdits.clear();
    this.storedEdits = this.sentEdits = 0;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private fail(error: CaseroomError): void {
    this.emit('error', error);
    if (finalCodes.has(error.code)) {
      this.rejectSynced(error);
      this.shutDown();
      return;
    }
    // Anything else may pass (a store hiccup): rejoin with backoff while the socket is up.
    const delay = Math.min(500 * 2 ** this.retries++, 10_000);
    const generation = this.generation;
    setTimeout(() => {
      if (generation === this.generation) this.connected();
    }, delay);
  }

  /**
   * The hub refused an edit for now. A while later the session leaves and rejoins the case: the
   * hub's handshake then asks for everything it lacks, which goes in one message. Until that is
   * stored, `flushed()` waits.
   */
  private resyncLater(delay = Math.min(500 * 2 ** this.retries++, 10_000)): void {
    this.unsent = true;
    if (this.resyncTimer) return;
    const generation = this.generation;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      // A reconnect since then runs the handshake anyway.
      if (generation !== this.generation || !this.joined || !this.socket.connected) return;
      const leaving = ++this.generation;
      this.inFlight = 0;
      this.held = [];
      this.sentEdits = this.storedEdits;
      this.joined = false;
      this.socket.emit('case:leave', { caseId: this.caseId }, (ack) => {
        if (leaving !== this.generation) return;
        if (ack.ok) return this.connected();
        // Still in the case on the hub (the leave was refused too): try again later.
        this.joined = true;
        this.resyncLater();
      });
    }, delay);
  }

  private shutDown(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    this.generation++;
    this.held = [];
    this.joined = false;
    this.setSessionStatus('closed');
    this.localEdits.destroy();
    this.awareness.destroy();
    this.onClosed(this);
  }

  private setSessionStatus(status: SessionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
    if (status === 'synced') this.notifyIfFlushed();
  }
}
