/**
 * The requests an agent sends about one open case: ownership, the case's status, presence and
 * approvals. Each is refused with `not_connected` until the session is in the case, is sent once
 * more after a fresh token when the hub says the token expired, and its answer goes into the mirror.
 */
import { CaseroomError, type Approval, type ApprovalInput, type CaseRecord, type Ownership, type PresenceStatus } from '@caseroom/shared';
import type { CaseMirror } from './CaseMirror.js';
import { request, type ClientSocket } from './request.js';
import type { TokenRefresh } from './TokenRefresh.js';

type OwnershipEvent = 'owner:claim' | 'owner:offer' | 'owner:accept' | 'owner:decline' | 'owner:reassign' | 'owner:release';

export class CaseCommands {
  private wantedStatus: PresenceStatus = 'active';

  constructor(
    private readonly caseId: string,
    private readonly socket: ClientSocket,
    private readonly tokens: TokenRefresh,
    private readonly mirror: CaseMirror,
    private readonly inCase: () => boolean,
  ) {}

  /** An ownership request; `userId` names the person a handoff or reassignment is for. */
  async ownership(event: OwnershipEvent, userId?: string): Promise<Ownership> {
    const payload = userId === undefined ? { caseId: this.caseId } : { caseId: this.caseId, userId };
    const { ownership } = await this.send(event, payload);
    this.mirror.ownershipChanged(ownership, null);
    return ownership;
  }

  async caseStatus(event: 'case:resolve' | 'case:reopen'): Promise<CaseRecord> {
    const { case: record } = await this.send(event, { caseId: this.caseId });
    this.mirror.caseAnswered(record);
    return record;
  }

  /** Sets your status in the room; kept, and sent again on every join. */
  async setStatus(status: PresenceStatus): Promise<void> {
    this.wantedStatus = status;
    await this.send('presence:status', { caseId: this.caseId, status });
  }

  /** The hub counts everyone who joins as active: a status set before goes again (not awaited). */
  restoreStatus(): void {
    if (this.wantedStatus !== 'active')
      this.socket.emit('presence:status', { caseId: this.caseId, status: this.wantedStatus }, () => undefined);
  }

  async requestApproval(input: ApprovalInput): Promise<Approval> {
    const { approval } = await this.send('approval:request', { ...input, caseId: this.caseId });
    this.mirror.approvalAnswered(approval);
    return approval;
  }

  private send<E extends Parameters<typeof request>[1]>(event: E, payload: Parameters<typeof request<E>>[2]) {
    if (!this.inCase())
      return Promise.reject(new CaseroomError('not_connected', 'The case is not open on the hub yet; await session.synced'));
    return request(this.socket, event, payload, () => this.tokens.refresh());
  }
}
