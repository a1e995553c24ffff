/**
 * The Socket.IO event maps of the `/cases` namespace, shared by the hub and the SDK so that a
 * misspelt event or a wrong payload is a compile error on both sides. Document traffic is binary
 * (y-protocols bytes); every request carries an acknowledgement callback.
 */
import type { Approval, ApprovalInput, ApprovalUpdate, Verdict } from './approvals.js';
import type { CaseEvent, EventFilter } from './caseEvents.js';
import type { CaseRecord } from './cases.js';
import type { Ownership, OwnerUpdate, Person, PresenceStatus, RosterMember, RosterUpdate } from './people.js';
import type { Ack, WireError } from './errors.js';
import type { Identity } from './identity.js';

export const casesNamespace = '/cases';

export interface JoinRequest {
  caseId: string;
  /**
   * The client's state vector (y-protocols sync step 1). When given, the acknowledgement carries
   * the server's answer as `update`, saving the `doc:sync` round trip before the first render.
   */
  stateVector?: Uint8Array;
}

export interface CaseRequest {
  caseId: string;
}

export interface PersonRequest {
  caseId: string;
  /** the person the request names (handoff target, reassignment target) */
  userId: string;
}

export interface StatusRequest {
  caseId: string;
  status: PresenceStatus;
}

export type ApprovalRequest = ApprovalInput & { caseId: string };

export interface DecisionRequest {
  approvalId: string;
  verdict: Verdict;
  comment?: string;
}

/** What a client learns when it joins: the case, who is in the room, who owns it, its approval requests. */
export type JoinAck = Ack<{
  case: CaseRecord;
  /** who the hub knows you as in this case (facts you record are in this name) */
  you: Person;
  roster: RosterMember[];
  ownership: Ownership;
  approvals: Approval[];
  /** what the client lacks of the document (sync step 2 content), when the request gave its `stateVector` */
  update?: Uint8Array;
}>;
export type ApprovalAck = Ack<{ approval: Approval }>;
export type OwnershipAck = Ack<{ ownership: Ownership }>;
export type CaseAck = Ack<{ case: CaseRecord }>;
export type SyncAck = Ack<{ reply?: Uint8Array }>;
export type PlainAck = Ack;
/** When the token now in force expires, counted from the hub's clock: no clock skew to correct. */
export interface TokenLifetime {
  /** milliseconds until it expires; null: it does not */
  expiresInMs: number | null;
}
export type RefreshAck = Ack<TokenLifetime>;

export interface ClientToServerEvents {
  /**
   * Opens a case on this socket. With `stateVector`, the ack carries what the client lacks; the
   * server then sends its own sync step 1 as `doc:sync` (the client answers with what it lacks).
   */
  'case:join': (request: JoinRequest, ack: (response: JoinAck) => void) => void;
  /** Closes a case on this socket. */
  'case:leave': (request: JoinRequest, ack: (response: PlainAck) => void) => void;
  /**
   * A y-protocols sync message for a joined case. For step 1 the ack carries the server's step 2
   * as `reply`; for step 2 and updates the ack means "applied and stored".
   */
  'doc:sync': (caseId: string, message: Uint8Array, ack: (response: SyncAck) => void) => void;
  /** A y-protocols awareness update (cursors, selections, typing) for a joined case. */
  'doc:awareness': (caseId: string, update: Uint8Array, ack: (response: PlainAck) => void) => void;

  /** Sets your status in the case room (active, idle, away). */
  'presence:status': (request: StatusRequest, ack: (response: PlainAck) => void) => void;

  /** Claims an unowned case (agents and supervisors): the first claim wins. */
  'owner:claim': (request: CaseRequest, ack: (response: OwnershipAck) => void) => void;
  /** The owner offers the case to a named person of the team. */
  'owner:offer': (request: PersonRequest, ack: (response: OwnershipAck) => void) => void;
  /** The person offered the case takes it. */
  'owner:accept': (request: CaseRequest, ack: (response: OwnershipAck) => void) => void;
  /** The person offered the case turns it down; the owner stays. */
  'owner:decline': (request: CaseRequest, ack: (response: OwnershipAck) => void) => void;
  /** A supervisor gives the case to a named person directly. */
  'owner:reassign': (request: PersonRequest, ack: (response: OwnershipAck) => void) => void;
  /** The owner lets go of a resolved case. */
  'owner:release': (request: CaseRequest, ack: (response: OwnershipAck) => void) => void;

  /** Opens a peer approval request in a joined case; it is broadcast to the room and the team. */
  'approval:request': (request: ApprovalRequest, ack: (response: ApprovalAck) => void) => void;
  /** A peer of the team approves or rejects a request (need not be in the case room). */
  'approval:decide': (request: DecisionRequest, ack: (response: ApprovalAck) => void) => void;
  /** The requester withdraws a pending request. */
  'approval:cancel': (request: { approvalId: string }, ack: (response: ApprovalAck) => void) => void;
  /** Pending requests of your team (a supervisor may name another team). */
  'approval:pending': (request: { team?: string }, ack: (response: Ack<{ approvals: Approval[] }>) => void) => void;

  /**
   * Subscribes to case events: replays what came after `after`, then streams live, as `events`
   * batches. The ack's `cursor` is where the subscription starts.
   */
  'events:subscribe': (request: EventFilter, ack: (response: Ack<{ subscriptionId: string; cursor: string | null }>) => void) => void;
  'events:unsubscribe': (request: { subscriptionId: string }, ack: (response: PlainAck) => void) => void;

  /**
   * Presents a fresh token in band: writes work again after `auth:expired`, and nothing is left or
   * resynced. It must speak for the same person, role and team as the connection's.
   */
  'auth:refresh': (request: { token: string }, ack: (response: RefreshAck) => void) => void;

  /** The owner (or a supervisor) marks the case resolved. */
  'case:resolve': (request: CaseRequest, ack: (response: CaseAck) => void) => void;
  /** The owner (or a supervisor) reopens a resolved case. */
  'case:reopen': (request: CaseRequest, ack: (response: CaseAck) => void) => void;
}

export interface ServerToClientEvents {
  /** A y-protocols sync message (step 1 on join, updates relayed from others). */
  'doc:sync': (caseId: string, message: Uint8Array) => void;
  /** A y-protocols awareness update from others in the room. */
  'doc:awareness': (caseId: string, update: Uint8Array) => void;
  /** The roster changed: everyone in the room, and what changed. */
  roster: (caseId: string, update: RosterUpdate) => void;
  /** Ownership changed (stored before it is announced); `ownership.epoch` orders the updates. */
  owner: (caseId: string, update: OwnerUpdate) => void;
  /** A batch of case events for a subscription, in order; acknowledge once handled to get the next. */
  events: (subscriptionId: string, events: CaseEvent[], ack: () => void) => void;
  /** An approval request opened or changed; sent to its case room and to its team's feed. */
  approval: (update: ApprovalUpdate) => void;
  /** The case record changed (e.g. its status). */
  'case:updated': (caseId: string, record: CaseRecord) => void;
  /** The server closed this case on this socket (e.g. it is shutting down); rejoin to continue. */
  'case:closed': (caseId: string, reason: WireError) => void;
  /** When the connection's token expires: sent on connecting and after each `auth:refresh`. */
  'auth:expires': (lifetime: TokenLifetime) => void;
  /**
   * The token expired: every request but `auth:refresh` and `case:leave` is refused with
   * `token_expired` until a fresh token is presented; without one the connection is closed.
   */
  'auth:expired': (error: WireError) => void;
  /** The person was revoked (`token_revoked`): the connection closes right after this. */
  'auth:revoked': (error: WireError) => void;
}

/** What the hub attaches to each socket after authentication: who the token speaks for, and until when. */
export interface SocketData {
  identity: Identity;
  /** when the token in force expires (ms since the epoch); null when it does not say */
  expiresAt: number | null;
  /** when it was issued (ms since the epoch); null when it does not say */
  issuedAt: number | null;
}
