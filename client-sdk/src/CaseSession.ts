/**
 * One open case in an agent app: the live Y.Doc with typed helpers, awareness, what the hub says
 * about the case (CaseMirror) and the requests about it (CaseCommands), and the conversation with
 * the customer (ConversationMirror, kept whole by ConversationSync; ConversationCommands). Where
 * the session stands with the hub is decided by the session machine (sessionMachine.ts); this is
 * its shell, where the effects meet the socket and the Y.Doc. Edits made while disconnected stay in the Y.Doc and
 * reach the hub through the sync handshake when the socket comes back.
 */
import {
  CaseDocument,
  CaseroomError,
  decodeSyncMessage,
  encodeSyncStep2,
  encodeUpdate,
  type Approval,
  type ApprovalInput,
  type ApprovalUpdate,
  type CaseRecord,
  type Composing,
  type Delivery,
  type FactBook,
  type Floor,
  type Message,
  type Ownership,
  type OwnerUpdate,
  type Person,
  type PresenceStatus,
  type RosterMember,
  type RosterUpdate,
  type StepList,
  type SyncMessage,
} from '@caseroom/shared';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { asBytes } from './bytes.js';
import { CaseCommands } from './CaseCommands.js';
import { CaseMirror, type CaseMirrorEvents, type CaseOwner, type JoinAnswer } from './CaseMirror.js';
import { ConversationCommands, type HistoryOptions, type SendOptions } from './ConversationCommands.js';
import { ConversationMirror, type Conversation, type ConversationMirrorEvents } from './ConversationMirror.js';
import { ConversationSync } from './ConversationSync.js';
import { Emitter } from './Emitter.js';
import { isLocalEdit, LocalEdits } from './LocalEdits.js';
import type { ClientSocket } from './request.js';
import {
  awaitsHandshake,
  decideSession,
  initialSession,
  isFlushed,
  statusOf,
  type SessionEffect,
  type SessionInput,
  type SessionState,
  type SessionStatus,
} from './sessionMachine.js';
import type { TokenRefresh } from './TokenRefresh.js';

export type { CaseOwner } from './CaseMirror.js';
export type { SessionStatus } from './sessionMachine.js';
export type { Conversation, ConversationChange } from './ConversationMirror.js';
export type { HistoryOptions, SendOptions } from './ConversationCommands.js';

export interface CaseSessionEvents extends CaseMirrorEvents, ConversationMirrorEvents {
  [event: string]: unknown[];
  /** connecting -> synced, offline while the socket is down, closed at the end */
  status: [status: SessionStatus];
  /** a request for this case was refused (the session stays usable unless status is `closed`) */
  error: [error: CaseroomError];
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
  private readonly onClosed: (session: CaseSession) => void;
  private readonly mirror: CaseMirror;
  private readonly commands: CaseCommands;
  private readonly conversationMirror: ConversationMirror;
  private readonly conversationSync: ConversationSync;
  private readonly conversationCommands: ConversationCommands;
  private readonly localEdits: LocalEdits;
  private state: SessionState = initialSession;
  /** inputs that arrived while the effects of an earlier one were being carried out */
  private readonly inbox: SessionInput<JoinAnswer>[] = [];
  private deciding = false;
  /** the one wait the machine asked for (a rejoin after a backoff) */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushWaiters: Array<() => void> = [];
  private resolveSynced!: () => void;
  private rejectSynced!: (err: CaseroomError) => void;

  /** @internal created by `CaseClient.openCase` */
  constructor(caseId: string, socket: ClientSocket, tokens: TokenRefresh, onClosed: (session: CaseSession) => void) {
    super();
    this.caseId = caseId;
    this.socket = socket;
    this.onClosed = onClosed;
    this.doc = new Y.Doc();
    // The mirror's events are the session's; TypeScript cannot follow a generic event name from one map to the other.
    this.mirror = new CaseMirror((event, ...args) => this.emit(event, ...(args as CaseSessionEvents[typeof event])));
    // Facts are recorded in your name, which the hub tells on join.
    this.document = new CaseDocument(this.doc, { author: () => this.mirror.you?.userId ?? null });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.commands = new CaseCommands(caseId, socket, tokens, this.mirror, () => this.inCase);
    this.conversationMirror = new ConversationMirror((event, ...args) => this.emit(event, ...(args as CaseSessionEvents[typeof event])));
    this.conversationSync = new ConversationSync(
      caseId,
      socket,
      tokens,
      this.conversationMirror,
      () => this.inCase,
      (error) => this.emit('error', error),
    );
    this.conversationCommands = new ConversationCommands(caseId, socket, tokens, this.conversationSync, () => this.inCase);
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    // Nobody has to await `synced`; a refusal is also reported through `error`.
    this.synced.catch(() => undefined);
    this.localEdits = new LocalEdits(this.doc);
    this.doc.on('update', this.onLocalUpdate);
    this.awareness.on('update', (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      if (origin === fromServer || !this.inCase) return;
      this.sendAwareness([...change.added, ...change.updated, ...change.removed]);
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
    return statusOf(this.state);
  }

  /** Who the hub knows you as (null before the first join). */
  get you(): Person | null {
    return this.mirror.you;
  }

  /** The case record as the server returned it on the last join (null before the first). */
  get case(): CaseRecord | null {
    return this.mirror.record;
  }

  /** Everyone in the case room, one entry per person (with how many tabs they have open). */
  get roster(): RosterMember[] {
    return this.mirror.roster;
  }

  /** The case's single owner, or null while unowned. Stays the owner while offline. */
  get owner(): CaseOwner | null {
    return this.mirror.owner;
  }

  /** Owner, fencing epoch and any pending handoff offer. */
  get ownership(): Ownership {
    return this.mirror.ownership;
  }

  /** Claims the case (first responder). Rejects with `already_owned` (details.owner), `cannot_own`, ... */
  claim(): Promise<Ownership> {
    return this.commands.ownership('owner:claim');
  }

  /** Owner only: offers the case to a person of the team, who can accept or decline. */
  offerHandoff(userId: string): Promise<Ownership> {
    return this.commands.ownership('owner:offer', userId);
  }

  /** Takes the case offered to you. */
  acceptHandoff(): Promise<Ownership> {
    return this.commands.ownership('owner:accept');
  }

  /** Turns down the case offered to you; the owner stays. */
  declineHandoff(): Promise<Ownership> {
    return this.commands.ownership('owner:decline');
  }

  /** Supervisors only: gives the case to a person directly. */
  reassign(userId: string): Promise<Ownership> {
    return this.commands.ownership('owner:reassign', userId);
  }

  /** Owner only, once the case is resolved: lets go of it. */
  release(): Promise<Ownership> {
    return this.commands.ownership('owner:release');
  }

  /** Owner or supervisor: marks the case resolved. */
  resolve(): Promise<CaseRecord> {
    return this.commands.caseStatus('case:resolve');
  }

  /** Owner or supervisor: reopens a resolved case. */
  reopen(): Promise<CaseRecord> {
    return this.commands.caseStatus('case:reopen');
  }

  /** Sets your status in this room (active, idle, away); kept across reconnects. */
  async setStatus(status: PresenceStatus): Promise<void> {
    await this.commands.setStatus(status);
  }

  /** This case's approval requests, oldest first, kept current. */
  get approvals(): Approval[] {
    return this.mirror.approvals;
  }

  /**
   * Asks a peer for approval of something outside policy. Broadcast to the room and to every
   * connected associate of the team. Rejects with `invalid_amount`, `invalid_payload`, ...
   */
  async requestApproval(input: ApprovalInput): Promise<Approval> {
    return this.commands.requestApproval(input);
  }

  /**
   * The conversation with the customer, kept current: the thread as people read it (in seq
   * order, with no gap and no duplicate, corrections shown and redactions emptied), the floor, who
   * is writing a reply and since when the customer waits. `on('message')` tells of each new
   * message, `on('conversation')` of any change.
   */
  get conversation(): Conversation {
    return this.conversationMirror.conversation;
  }

  /** Whether you may write to the customer now: you own the case, or the owner gave you the floor. */
  get maySpeak(): boolean {
    const me = this.mirror.you?.userId;
    return me !== undefined && (this.mirror.ownership.owner?.userId === me || this.conversation.floor.holder?.userId === me);
  }

  /**
   * Writes to the customer, on `channel` or where the customer last wrote; the channel connector
   * delivers it. Only the owner and the floor's holder may: else `not_your_floor`. While someone
   * else is writing a reply it is refused with `reply_in_progress` (`details.composing` says who):
   * send again with `confirm: true` to send anyway. Ends your composing mark.
   */
  send(body: string, options: SendOptions = {}): Promise<Message> {
    return this.conversationCommands.send(body, options);
  }

  /**
   * A corrected text of a reply you wrote, as a new entry pointing at it; the connector delivers it
   * again. Rejects with `forbidden`, `unknown_message`, `not_your_floor`, ...
   */
  correct(seq: number, body: string): Promise<Message> {
    return this.conversationCommands.correct(seq, body);
  }

  /** Owner, supervisor or the message's author: hides a message's body and attachments from everyone, giving the reason. */
  redact(seq: number, reason: string): Promise<Message> {
    return this.conversationCommands.redact(seq, reason);
  }

  /**
   * Tells the room you are writing a reply (`true`, renewed by itself until you send, say `false`
   * or leave) or stopped. Call it as often as you like: only a change is sent. Rejects with
   * `not_your_floor` when you may not speak.
   */
  composing(composing: boolean): Promise<void> {
    return this.conversationCommands.composing(composing);
  }

  /** Owner or supervisor: lets someone in the room write to the customer too. Rejects with `not_owner`, `not_in_room`, ... */
  giveFloor(userId: string): Promise<Floor> {
    return this.conversationCommands.giveFloor(userId);
  }

  /** Takes the floor back (owner or supervisor), or hands it back (its holder): the owner alone speaks again. */
  takeFloor(): Promise<Floor> {
    return this.conversationCommands.takeFloor();
  }

  /** A page of the thread, oldest first: the newest, or those `before` a seq. Earlier messages join `conversation.messages`. */
  history(options: HistoryOptions = {}): Promise<Message[]> {
    return this.conversationCommands.history(options);
  }

  /** Resolves once every local edit made so far has been stored by the server. */
  flushed(): Promise<void> {
    if (isFlushed(this.state)) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /** Leaves the case. The Y.Doc stays readable; nothing more is sent or received. */
  async close(): Promise<void> {
    this.conversationCommands.leave();
    this.dispatch({ type: 'close' });
  }

  /** @internal the socket (re)connected: join and run the sync handshake */
  connected(): void {
    this.dispatch({ type: 'connect' });
  }

  /** @internal the socket dropped: everything unacknowledged is resent by the next handshake */
  disconnected(): void {
    this.dispatch({ type: 'disconnect' });
  }

  /** @internal a fresh token is in force: edits refused while the old one was expired go out now */
  tokenRefreshed(): void {
    this.dispatch({ type: 'tokenRefreshed' });
  }

  /** @internal the client could not connect at all (the token was refused) or was revoked: no reconnection follows */
  refused(error: CaseroomError): void {
    this.dispatch({ type: 'refused', error });
  }

  /** @internal a `doc:sync` message from the server */
  receiveSync(payload: Uint8Array | ArrayBuffer): void {
    const message = this.decode(payload);
    if (!message) return;
    if (message.type !== 'step1') {
      this.dispatch({ type: 'remote', update: message.update });
    } else if (awaitsHandshake(this.state)) {
      // The hub's half of the handshake, answered with everything it lacks, offline edits included.
      // Worked out only when something is unsent: the answer always carries every deletion we know
      // of, and would only make the hub read its whole document.
      this.dispatch({ type: 'handshake', missing: Y.encodeStateAsUpdate(this.doc, message.stateVector) });
    }
  }

  /** @internal a `roster` message from the server */
  receiveRoster(update: RosterUpdate): void {
    if (this.inCase) this.mirror.rosterChanged(update);
  }

  /** @internal an `owner` message from the server; the epoch discards anything older than what we have */
  receiveOwner(update: OwnerUpdate): void {
    if (this.inCase) this.mirror.ownershipChanged(update.ownership, update.change);
  }

  /** @internal an `approval` message about this case */
  receiveApproval(update: ApprovalUpdate): void {
    this.mirror.approvalUpdated(update);
  }

  /** @internal a `case:updated` message from the server */
  receiveCase(record: CaseRecord): void {
    this.mirror.caseUpdated(record);
  }

  /** @internal a `conversation:message` about this case; held until the join when it comes before */
  receiveMessage(message: Message): void {
    if (this.state.phase !== 'closed') this.conversationSync.message(message);
  }

  /** @internal a `conversation:delivery` report about this case */
  receiveDelivery(seq: number, delivery: Delivery): void {
    if (this.state.phase !== 'closed') this.conversationSync.delivery(seq, delivery);
  }

  /** @internal a `conversation:composing` mark */
  receiveComposing(mark: Composing): void {
    if (this.inCase) this.conversationSync.composing(mark);
  }

  /** @internal a `floor` message */
  receiveFloor(floor: Floor): void {
    if (this.inCase) this.conversationSync.floor(floor);
  }

  /** @internal a `doc:awareness` message from the server */
  receiveAwareness(update: Uint8Array | ArrayBuffer): void {
    if (this.inCase) awarenessProtocol.applyAwarenessUpdate(this.awareness, asBytes(update), fromServer);
  }

  private get inCase(): boolean {
    return this.state.phase === 'joined';
  }

  /**
   * Hands the machine one input and carries out what it decides. An input that comes while
   * effects are being carried out waits its turn, so each decision's effects all run against the
   * state that decided them. Such inputs come from the app's listeners (an edit, a close, going
   * offline), and the machine settles the edits before it tells a listener anything: the undo
   * stack never holds an edit the machine has not heard of when it is cleared or unwound.
   */
  private dispatch(input: SessionInput<JoinAnswer>): void {
    this.inbox.push(input);
    if (this.deciding) return;
    this.deciding = true;
    try {
      for (let next = this.inbox.shift(); next; next = this.inbox.shift()) {
        const { state, effects } = decideSession(this.state, next);
        this.state = state;
        for (const effect of effects) this.perform(effect);
      }
    } finally {
      this.deciding = false;
    }
  }

  private perform(effect: SessionEffect<JoinAnswer>): void {
    switch (effect.type) {
      case 'join':
        return this.join(effect.link);
      case 'enter':
        return this.enter(effect.answer);
      case 'send': {
        const update = effect.updates.length === 1 ? effect.updates[0]! : Y.mergeUpdates(effect.updates);
        return this.sendChanges(effect.link, effect.as === 'step2' ? encodeSyncStep2(update) : encodeUpdate(update));
      }
      case 'takeBack': {
        const undone = this.localEdits.takeBack(effect.keep);
        return this.sendChanges(effect.link, encodeUpdate(Y.mergeUpdates([...effect.refused, ...undone])));
      }
      case 'apply':
        return this.applyFromServer(effect.update);
      case 'flushed': {
        this.localEdits.forget();
        const waiters = this.flushWaiters;
        this.flushWaiters = [];
        for (const resolve of waiters) resolve();
        return;
      }
      case 'leave':
        return this.leave(effect.link);
      case 'wait':
        return this.wait(effect.link, effect.ms);
      case 'error':
        return this.emit('error', effect.error);
      case 'clearAwareness': {
        const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
        return awarenessProtocol.removeAwarenessStates(this.awareness, others, fromServer);
      }
      case 'shutDown':
        return this.shutDown(effect.error);
      case 'status':
        this.emit('status', effect.status);
        if (effect.status === 'synced') this.resolveSynced();
        return;
    }
  }

  private join(link: number): void {
    // A callback, not a promise: the machine must know it is in the case before the hub's step 1,
    // which can be decoded in the same turn as this answer, is handled. Our state vector rides
    // along: the answer brings what we lack, with no second round trip.
    this.socket.emit('case:join', { caseId: this.caseId, stateVector: Y.encodeStateVector(this.doc) }, (answer) =>
      this.dispatch(
        answer.ok ? { type: 'joined', link, answer } : { type: 'joinRefused', link, error: CaseroomError.fromWire(answer.error) },
      ),
    );
  }

  private enter(answer: JoinAnswer): void {
    this.mirror.joined(answer);
    this.conversationSync.joined(answer.conversation, answer.case.waitingSince);
    this.commands.restoreStatus();
    if (this.awareness.getLocalState() !== null) this.sendAwareness([this.doc.clientID]);
    if (answer.update) this.applyFromServer(asBytes(answer.update));
  }

  /** Sends local changes as one `doc:sync` message; its answer says whether the hub stored them. */
  private sendChanges(link: number, message: Uint8Array): void {
    this.socket.emitWithAck('doc:sync', this.caseId, message).then(
      (answer) =>
        this.dispatch(answer.ok ? { type: 'stored', link } : { type: 'editRefused', link, error: CaseroomError.fromWire(answer.error) }),
      // The connection dropped before the answer: the machine heard of it, and the next handshake sends it all.
      () => undefined,
    );
  }

  private leave(link: number | null): void {
    if (link === null) {
      if (this.socket.connected) this.socket.emit('case:leave', { caseId: this.caseId }, () => undefined);
      return;
    }
    this.socket.emit('case:leave', { caseId: this.caseId }, (answer) =>
      this.dispatch(answer.ok ? { type: 'left', link } : { type: 'leaveRefused', link }),
    );
  }

  private wait(link: number, ms: number): void {
    // One wait at a time: a new one means the machine has moved on from the last.
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dispatch({ type: 'waited', link });
    }, ms);
  }

  /** Every change made here goes to the machine; what the server sent is applied with this detached (see applyFromServer). */
  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (origin === fromServer || this.localEdits.takingBack) return;
    this.dispatch({ type: 'edit', update, undoable: isLocalEdit(transaction) });
  };

  /**
   * Applies what the server sent. Our update listener is detached meanwhile: it would ignore the
   * result, and while anyone listens Yjs encodes every applied change once more to tell them,
   * which for a newcomer's first sync is the whole document. A broken update is reported, not thrown.
   */
  private applyFromServer(update: Uint8Array): void {
    this.doc.off('update', this.onLocalUpdate);
    try {
      Y.applyUpdate(this.doc, update, fromServer);
    } catch {
      this.emit('error', new CaseroomError('malformed_message', 'An update from the server could not be applied to the case document'));
    } finally {
      this.doc.on('update', this.onLocalUpdate);
    }
  }

  /** A `doc:sync` message, decoded; null (and reported) when it is malformed. */
  private decode(payload: Uint8Array | ArrayBuffer): SyncMessage | null {
    try {
      // The hub checked every update before relaying it; applying it is the one decode it needs.
      return decodeSyncMessage(asBytes(payload), { checkUpdate: false });
    } catch (err) {
      this.emit('error', err instanceof CaseroomError ? err : new CaseroomError('malformed_message'));
      return null;
    }
  }

  private sendAwareness(clients: number[]): void {
    if (!this.socket.connected) return;
    this.socket.emit('doc:awareness', this.caseId, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients), (answer) => {
      if (!answer.ok) this.emit('error', CaseroomError.fromWire(answer.error));
    });
  }

  private shutDown(error: CaseroomError | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.conversationCommands.leave();
    this.conversationSync.stop();
    if (error) this.rejectSynced(error);
    this.localEdits.destroy();
    this.awareness.destroy();
    this.onClosed(this);
  }
}
