/**
 * Cases as records: creating, finding and listing them, with the team rule applied in one place
 * (a person may see cases of their own team; supervisors see every case). A change of status is
 * stored with its event, then announced.
 */
import { randomUUID } from 'node:crypto';
import {
  canAccessTeam,
  CaseroomError,
  type CaseRecord,
  type CaseSort,
  type CaseStatus,
  type Customer,
  type Identity,
  type Page,
} from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';
import { caseEvent } from '../events/EventLog.js';
import type { Logger } from '../logger.js';
import type { CaseStore } from '../store/CaseStore.js';

export interface NewCase {
  id?: string | undefined;
  subject: string;
  team?: string | undefined;
  customer?: Customer | undefined;
}

export interface CaseListing {
  team?: string | undefined;
  status?: CaseStatus | undefined;
  sort?: CaseSort | undefined;
  limit: number;
  cursor?: string | undefined;
}

export class CaseDirectory {
  constructor(
    private readonly store: Pick<CaseStore, 'cases'>,
    /** where a stored change of status is announced */
    private readonly changes: DomainChanges,
    private readonly log: Logger,
  ) {}

  /** Creates a case for the caller's team (supervisors may name another team). */
  async create(input: NewCase, by: Identity, now = new Date()): Promise<CaseRecord> {
    const team = input.team ?? by.team;
    if (!canAccessTeam(by, team)) throw new CaseroomError('forbidden', `You cannot create cases for team ${team}`);
    const at = now.toISOString();
    const record: CaseRecord = {
      id: input.id ?? randomUUID(),
      subject: input.subject,
      team,
      status: 'open',
      customer: input.customer ?? null,
      createdAt: at,
      createdBy: by.userId,
      updatedAt: at,
      waitingSince: null,
    };
    await this.store.cases.create(record, [
      caseEvent(record, 'case.created', by, { subject: record.subject, customer: record.customer, status: record.status }, now),
    ]);
    return record;
  }

  /** The case record, or null; no permission check (callers decide what an unknown case means). */
  find(caseId: string): Promise<CaseRecord | null> {
    return this.store.cases.get(caseId);
  }

  /** The case, if `who` may open it; throws `unknown_case` or `forbidden`. */
  async open(caseId: string, who: Identity): Promise<CaseRecord> {
    const record = await this.store.cases.get(caseId);
    if (!record) throw new CaseroomError('unknown_case', `No case with id ${caseId}`);
    if (!canAccessTeam(who, record.team)) throw new CaseroomError('forbidden', 'This case belongs to another team');
    return record;
  }

  /** Resolves or reopens a case; only its owner or a supervisor may. A case that already has that status stays as it is. */
  async setStatus(caseId: string, status: CaseStatus, who: Identity, ownerId: string | null, now = new Date()): Promise<CaseRecord> {
    const record = await this.open(caseId, who);
    if (who.role !== 'supervisor' && who.userId !== ownerId)
      throw new CaseroomError('not_owner', 'Only the owner or a supervisor can change the case status');
    if (record.status === status) return record;
    const changed = caseEvent(record, 'case.status_changed', who, { from: record.status, to: status }, now);
    const updated = await this.store.cases.setStatus(caseId, status, now.toISOString(), [changed]);
    if (!updated) throw new CaseroomError('unknown_case');
    this.log.info({ caseId, userId: who.userId, status }, 'case status changed');
    this.changes.announce({ kind: 'caseStatus', caseId, record: updated });
    return updated;
  }

  /** Lists cases of one team (the caller's own unless a supervisor names another, or none for all). */
  async list(query: CaseListing, who: Identity): Promise<Page<CaseRecord>> {
    const team = who.role === 'supervisor' ? query.team : (query.team ?? who.team);
    if (team !== undefined && !canAccessTeam(who, team)) throw new CaseroomError('forbidden', `You cannot list cases of team ${team}`);
    return this.store.cases.list({ team, status: query.status, sort: query.sort, limit: query.limit, cursor: query.cursor });
  }
}
