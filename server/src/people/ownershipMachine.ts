/**
 * The ownership state machine, as one pure function. Ownership is not CRDT state: two concurrent
 * claims must not both win. The store persists each decision with compare-and-set on the epoch,
 * so whichever decision lands second is re-decided against the new state (and loses).
 */
import {
  CaseroomError,
  owningRoles,
  type CaseStatus,
  type Identity,
  type Ownership,
  type OwnershipChange,
  type OwnershipChangeKind,
  type OwnershipRecord,
  type Person,
} from '@caseroom/shared';

export type OwnershipCommand =
  | { type: 'claim' }
  | { type: 'offer'; to: Identity }
  | { type: 'accept' }
  | { type: 'decline' }
  | { type: 'reassign'; to: Identity }
  | { type: 'release' };

export interface OwnershipContext {
  actor: Identity;
  caseTeam: string;
  caseStatus: CaseStatus;
  now: Date;
}

export interface OwnershipDecision {
  ownership: Ownership;
  /** null when the command changes nothing (e.g. the owner claims again) */
  change: OwnershipChange | null;
  /** the history line, for changes of owner */
  record: OwnershipRecord | null;
}

const person = (who: Identity): Person => ({ userId: who.userId, name: who.name, role: who.role });

/** Why `who` cannot become owner of a case of `team`, or null if they can. */
function ineligible(who: Identity, team: string): CaseroomError | null {
  if (!owningRoles.includes(who.role)) return new CaseroomError('cannot_own', `${who.name} is a ${who.role} and cannot own a case`);
  if (who.role !== 'supervisor' && who.team !== team) return new CaseroomError('outside_team', `${who.name} is not in team ${team}`);
  return null;
}

export function decideOwnership(state: Ownership, command: OwnershipCommand, context: OwnershipContext): OwnershipDecision | CaseroomError {
  const { actor, now } = context;
  const at = now.toISOString();
  const epoch = state.epoch + 1;
  const owner = state.owner?.userId ?? null;

  // The change's `to` is the owner after it, except for an offer: that names the person offered.
  const change = (
    kind: OwnershipChangeKind,
    next: Ownership,
    how?: OwnershipRecord['how'],
    to = next.owner?.userId ?? null,
  ): OwnershipDecision => ({
    ownership: next,
    change: { kind, by: actor.userId, from: owner, to, at, epoch },
    record: how ? { epoch, how, from: owner, to: next.owner?.userId ?? null, by: actor.userId, at } : null,
  });

  switch (command.type) {
    case 'claim': {
      if (!owningRoles.includes(actor.role)) return new CaseroomError('cannot_own', `A ${actor.role} cannot own a case`);
      if (owner === actor.userId) return { ownership: state, change: null, record: null };
      if (state.owner) {
        return new CaseroomError('already_owned', `${state.owner.name} already owns this case`, {
          details: { owner: state.owner, epoch: state.epoch },
        });
      }
      return change('claimed', { owner: person(actor), epoch, offer: null }, 'claim');
    }
    case 'offer': {
      if (owner !== actor.userId) return new CaseroomError('not_owner', 'Only the owner can hand the case off');
      if (command.to.userId === actor.userId) return new CaseroomError('invalid_handoff', 'You already own this case');
      const refusal = ineligible(command.to, context.caseTeam);
      if (refusal) return refusal;
      const offer = { to: person(command.to), by: actor.userId, at };
      return change('handoff_offered', { owner: state.owner, epoch, offer }, undefined, offer.to.userId);
    }
    case 'accept': {
      if (state.offer?.to.userId !== actor.userId) return new CaseroomError('not_offered');
      const refusal = ineligible(actor, context.caseTeam);
      if (refusal) return refusal;
      return change('handoff_accepted', { owner: person(actor), epoch, offer: null }, 'handoff');
    }
    case 'decline': {
      if (state.offer?.to.userId !== actor.userId) return new CaseroomError('not_offered');
      return change('handoff_declined', { owner: state.owner, epoch, offer: null });
    }
    case 'reassign': {
      if (actor.role !== 'supervisor') return new CaseroomError('supervisor_only', 'Only a supervisor can reassign a case');
      const refusal = ineligible(command.to, context.caseTeam);
      if (refusal) return refusal;
      if (owner === command.to.userId && !state.offer) return { ownership: state, change: null, record: null };
      return change('reassigned', { owner: person(command.to), epoch, offer: null }, 'reassign');
    }
    case 'release': {
      if (owner === null || owner !== actor.userId) return new CaseroomError('not_owner', 'Only the owner can release the case');
      if (context.caseStatus !== 'resolved') return new CaseroomError('case_not_resolved');
      return change('released', { owner: null, epoch, offer: null }, 'release');
    }
  }
}
