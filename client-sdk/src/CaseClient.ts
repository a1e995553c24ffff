/**
 * The entry point for agent apps: one Socket.IO connection to the hub's `/cases` namespace,
 * carrying any number of open cases. Reconnects by itself with backoff and rejoins every open
 * case; each case's edits made while offline merge on reconnect.
 */
import {
  casesNamespace,
  CaseroomError,
  isErrorCode,
  oneFrameParser,
  oneFrameQuery,
  type Approval,
  type ApprovalUpdate,
  type ClientToServerEvents,
  type OverdueStep,
  type ServerToClientEvents,
} from '@caseroom/shared';
import { io, type Socket } from 'socket.io-client';
import { backoffDelay, type Backoff } from './backoff.js';
import { CaseSession } from './CaseSession.js';
import { Emitter } from './Emitter.js';
import { request } from './request.js';
import { TokenRefresh } from './TokenRefresh.js';

export type ClientStatus = 'connecting' | 'connected' | 'offline' | 'refused' | 'closed';

export interface CaseClientOptions {
  /** The hub's base URL, e.g. `http://localhost:3000`. */
  url: string;
  /**
   * A JWT, or a function that returns a fresh one: called on every connection attempt, and ahead
   * of the token's expiry to refresh it in band (cases stay open). With a fixed token the client
   * goes offline when it expires.
   */
  token: string | (() => string | Promise<string>);
  /** Transports in order of preference; websocket first by default. */
  transports?: Array<'websocket' | 'polling'>;
  /** Upper bound of the reconnection backoff, in ms (default 5000). */
  reconnectionDelayMax?: number;
  /** Connect at once (default) or wait for `connect()`. */
  autoConnect?: boolean;
}

export interface CaseClientEvents {
  [event: string]: unknown[];
  status: [status: ClientStatus];
  /**
   * the hub refused the connection (bad or expired token: no reconnection follows), revoked the
   * person (`token_revoked`), or the token expired and no fresh one could be had (`offline` follows)
   */
  error: [error: CaseroomError];
  /** an approval request of your team (or a case you have open) opened or changed */
  approval: [update: ApprovalUpdate];
  /**
   * a step of one of your team's cases (or of a case you have open) fell due without being done;
   * `step.assignee` is the user id it was given to (compare it with yours to tell your own)
   */
  stepOverdue: [step: OverdueStep];
}

export class CaseClient extends Emitter<CaseClientEvents> {
  /** The underlying Socket.IO socket, for diagnostics; prefer the session API. */
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly sessions = new Map<string, CaseSession>();
  private currentStatus: ClientStatus = 'connecting';
  private readonly tokens: TokenRefresh;
  /** connection attempts refused with `identity_unavailable` in a row, for the backoff */
  private identityRetries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly identityBackoff: Backoff;

  constructor(options: CaseClientOptions) {
    super();
    const { token, reconnectionDelayMax = 5000 } = options;
    // Socket.IO backs off its own reconnections; a connection it made but the hub could not check is ours to retry.
    this.identityBackoff = { firstMs: 1000, maxMs: reconnectionDelayMax };
    this.socket = io(new URL(casesNamespace, options.url).toString(), {
      transports: options.transports ?? ['websocket', 'polling'],
      reconnectionDelayMax,
      autoConnect: false,
      // Document updates come and go as one frame each (see docs/socketio-frames.md), once the hub shows it reads them.
      parser: oneFrameParser(),
      query: oneFrameQuery,
      auth: (send) => {
        Promise.resolve(typeof token === 'function' ? token() : token).then(
          (value) => send({ token: value }),
          () => send({}),
        );
      },
    });
    this.tokens = new TokenRefresh(this.socket, token, {
      refreshed: () => {
        for (const session of this.sessions.values()) session.tokenRefreshed();
      },
      failed: (error) => {
        // Writes are refused from now on: say why, and stop until the app connects again.
        this.emit('error', error);
        this.socket.disconnect();
        this.setStatus('offline');
      },
    });
    this.socket.on('auth:expires', ({ expiresInMs }) => this.tokens.schedule(expiresInMs));
    this.socket.on('auth:expired', () => void this.tokens.refresh());
    this.socket.on('auth:revoked', (wire) => {
      const error = CaseroomError.fromWire(wire);
      this.tokens.cancel();
      this.setStatus('refused');
      this.emit('error', error);
      for (const session of [...this.sessions.values()]) session.refused(error);
    });
    this.socket.on('connect', () => {
      this.identityRetries = 0;
      this.setStatus('connected');
      for (const session of this.sessions.values()) session.connected();
    });
    this.socket.on('disconnect', () => {
      for (const session of this.sessions.values()) session.disconnected();
      // A refusal (a revoked person) stays the status: no reconnection follows it.
      if (this.currentStatus !== 'closed' && this.currentStatus !== 'refused') this.setStatus('offline');
    });
    this.socket.on('connect_error', (err) => {
      // An error the server's auth middleware raised stops reconnection; a network error does not.
      if (this.socket.active) {
        this.setStatus('offline');
        return;
      }
      const data = (err as Error & { data?: { code?: unknown; message?: string } }).data;
      const error = new CaseroomError(isErrorCode(data?.code) ? data.code : 'unauthenticated', data?.message ?? err.message);
      if (error.code === 'identity_unavailable') {
        // The hub could not check the token right now (its identity provider is down): try again.
        this.emit('error', error);
        this.setStatus('offline');
        const delay = backoffDelay(this.identityBackoff, this.identityRetries++);
        this.retryTimer = setTimeout(() => this.currentStatus === 'offline' && this.socket.connect(), delay);
        return;
      }
      this.setStatus('refused');
      this.emit('error', error);
      for (const session of [...this.sessions.values()]) session.refused(error);
    });
    this.socket.on('doc:sync', (caseId, message) => this.sessions.get(caseId)?.receiveSync(message));
    this.socket.on('doc:awareness', (caseId, update) => this.sessions.get(caseId)?.receiveAwareness(update));
    this.socket.on('roster', (caseId, update) => this.sessions.get(caseId)?.receiveRoster(update));
    this.socket.on('owner', (caseId, update) => this.sessions.get(caseId)?.receiveOwner(update));
    this.socket.on('case:updated', (caseId, record) => this.sessions.get(caseId)?.receiveCase(record));
    this.socket.on('conversation:message', (caseId, message) => this.sessions.get(caseId)?.receiveMessage(message));
    this.socket.on('conversation:delivery', (caseId, { seq, delivery }) => this.sessions.get(caseId)?.receiveDelivery(seq, delivery));
    this.socket.on('conversation:composing', (caseId, mark) => this.sessions.get(caseId)?.receiveComposing(mark));
    this.socket.on('floor', (caseId, floor) => this.sessions.get(caseId)?.receiveFloor(floor));
    this.socket.on('approval', (update) => {
      this.sessions.get(update.approval.caseId)?.receiveApproval(update);
      this.emit('approval', update);
    });
    this.socket.on('step:overdue', (step) => this.emit('stepOverdue', step));
    if (options.autoConnect !== false) this.socket.connect();
  }

  get status(): ClientStatus {
    return this.currentStatus;
  }

  /**
   * Opens a case (or returns the session already open for it). The session joins as soon as the
   * socket is connected; await `session.synced` before reading the document.
   */
  openCase(caseId: string): CaseSession {
    const open = this.sessions.get(caseId);
    if (open) return open;
    const session = new CaseSession(caseId, this.socket, this.tokens, (closed) => {
      if (this.sessions.get(caseId) === closed) this.sessions.delete(caseId);
    });
    this.sessions.set(caseId, session);
    if (this.socket.connected) session.connected();
    return session;
  }

  /**
   * The team-wide feed: calls `handler` whenever a peer of your team asks for approval, in any
   * case, open here or not. Returns a function that unsubscribes.
   */
  onApprovalRequested(handler: (approval: Approval) => void): () => void {
    return this.on('approval', (update) => {
      if (update.change.kind === 'requested') handler(update.approval);
    });
  }

  /** Pending approval requests of your team (supervisors may name another team). */
  async pendingApprovals(team?: string): Promise<Approval[]> {
    return (await request(this.socket, 'approval:pending', team === undefined ? {} : { team }, this.refresh)).approvals;
  }

  /** Approves a peer's request. Rejects with `self_approval`, `not_pending`, `approval_expired`, ... */
  async approve(approvalId: string, comment?: string): Promise<Approval> {
    return this.decide(approvalId, 'approve', comment);
  }

  /** Rejects a peer's request; any rejection rejects it. */
  async reject(approvalId: string, comment?: string): Promise<Approval> {
    return this.decide(approvalId, 'reject', comment);
  }

  /** Withdraws your own pending request. */
  async cancel(approvalId: string): Promise<Approval> {
    return (await request(this.socket, 'approval:cancel', { approvalId }, this.refresh)).approval;
  }

  private async decide(approvalId: string, verdict: 'approve' | 'reject', comment?: string): Promise<Approval> {
    const { approval } = await request(
      this.socket,
      'approval:decide',
      comment === undefined ? { approvalId, verdict } : { approvalId, verdict, comment },
      this.refresh,
    );
    return approval;
  }

  /** Goes offline on purpose (edits keep working locally); `connect()` comes back. */
  disconnect(): void {
    this.socket.disconnect();
  }

  /** Connects (or reconnects after `disconnect()`). */
  connect(): void {
    if (this.currentStatus === 'closed') return;
    this.setStatus('connecting');
    this.socket.connect();
  }

  /** Brings a fresh token in force (false when none could be had); requests refused with `token_expired` go again after it. */
  protected readonly refresh = (): Promise<boolean> => this.tokens.refresh();

  /** Leaves every case and closes the connection. */
  async close(): Promise<void> {
    this.tokens.cancel();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
    this.setStatus('closed');
    this.socket.disconnect();
  }

  private setStatus(status: ClientStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }
}
