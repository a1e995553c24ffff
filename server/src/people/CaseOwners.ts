/**
 * Ownership of cases: decides each command with the pure state machine, persists the decision
 * with compare-and-set on the epoch, and only then announces it. A lost race is re-decided
 * against the state that won, so 50 simultaneous claims give one owner and 49 `already_owned`.
 */
import { CaseroomError, type CaseRecord, type Identity, type Ownership, type OwnershipRecord } from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import { caseEvent } from '../events/EventLog.js';
import type { CaseStore } from '../store/CaseStore.js';
import { decideOwnership, type OwnershipCommand } from './ownershipMachine.js';

/** Compare-and-set retries before giving up; each retry means another change landed meanwhile. */
const maxAttempts = 100;

export interface CaseOwnersOptions {
  store: Pick<CaseStore, 'cases' | 'ownership' | 'people'>;
  log: Logger;
  /** where a stored change is announced */
  changes: DomainChanges;
}

export class CaseOwners {
  constructor(private readonly options: CaseOwnersOptions) {}

  current(caseId: string): Promise<Ownership> {
    return this.options.store.ownership.get(caseId);
  }

  history(caseId: string): Promise<OwnershipRecord[]> {
    return this.options.store.ownership.history(caseId);
  }

  claim(caseId: string, actor: Identity): Promise<Ownership> {
    return this.apply(caseId, actor, { type: 'claim' });
  }

  async offerHandoff(caseId: string, actor: Identity, toUserId: string): Promise<Ownership> {
    return this.apply(caseId, actor, { type: 'offer', to: await this.person(toUserId) });
  }

  acceptHandoff(caseId: string, actor: Identity): Promise<Ownership> {
    return this.apply(caseId, actor, { type: 'accept' });
  }

  declineHandoff(caseId: string, actor: Identity): Promise<Ownership> {
    return this.apply(caseId, actor, { type: 'decline' });
  }

  async reassign(caseId: string, actor: Identity, toUserId: string): Promise<Ownership> {
    if (actor.role !== 'supervisor') throw new CaseroomError('supervisor_only', 'Only a supervisor can reassign a case');
    return this.apply(caseId, actor, { type: 'reassign', to: await this.person(toUserId) });
  }

  release(caseId: string, actor: Identity): Promise<Ownership> {
    return this.apply(caseId, actor, { type: 'release' });
  }

  private async person(userId: string): Promise<Identity> {
    const who = await this.options.store.people.get(userId);
    if (!who) throw new CaseroomError('unknown_user', `No person with id ${userId} has signed in to caseroom`);
    return who;
  }

  private async apply(caseId: string, actor: Identity, command: OwnershipCommand): Promise<Ownership> {
    const { store, log } = this.options;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const [state, record] = await Promise.all([store.ownership.get(caseId), store.cases.get(caseId)]);
      if (!record) throw new CaseroomError('unknown_case');
      const decision = decideOwnership(state, command, context(actor, record));
      if (decision instanceof CaseroomError) throw decision;
      if (!decision.change) return state;
      const { change, ownership } = decision;
      const event = caseEvent(
        record,
        `owner.${change.kind}`,
        actor,
        { epoch: ownership.epoch, from: change.from, to: change.to, offer: ownership.offer },
        new Date(change.at),
      );
      if (await store.ownership.save(caseId, state.epoch, ownership, decision.record, [event])) {
        log.info({ caseId, userId: actor.userId, change: decision.change.kind, epoch: decision.ownership.epoch }, 'ownership changed');
        this.options.changes.announce({ kind: 'owner', caseId, update: { ownership: decision.ownership, change: decision.change } });
        return decision.ownership;
      }
    }
    throw new CaseroomError('internal_error', 'Ownership kept changing; try again');
  }
}

function context(actor: Identity, record: CaseRecord) {
  return { actor, caseTeam: record.team, caseStatus: record.status, now: new Date() };
}
