/** The ownership state machine on its own: every command against every relevant state. */
import { CaseroomError, unowned, type Identity, type Ownership } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { decideOwnership, type OwnershipCommand } from '../../server/src/people/ownershipMachine.js';
import { amy, ann, otto, qaBot, sam, sue } from '../helpers/people.js';

const now = new Date('2026-11-23T10:00:00Z');

function decide(state: Ownership, command: OwnershipCommand, actor: Identity, caseStatus: 'open' | 'resolved' = 'open') {
  return decideOwnership(state, command, { actor, caseTeam: 'billing', caseStatus, now });
}

function ok(result: ReturnType<typeof decide>) {
  if (result instanceof CaseroomError) throw new Error(`expected a decision, got ${result.code}`);
  return result;
}

function codeOf(result: ReturnType<typeof decide>): string {
  if (!(result instanceof CaseroomError)) throw new Error('expected a refusal');
  return result.code;
}

const ownedByAnn: Ownership = { owner: { userId: 'ann', name: 'Ann', role: 'agent' }, epoch: 1, offer: null };
const offeredToAmy: Ownership = {
  ...ownedByAnn,
  epoch: 2,
  offer: { to: { userId: 'amy', name: 'Amy', role: 'agent' }, by: 'ann', at: now.toISOString() },
};

describe('claim', () => {
  it('gives an unowned case to the first agent and bumps the epoch', () => {
    const decision = ok(decide(unowned, { type: 'claim' }, ann));
    expect(decision.ownership).toEqual({ owner: { userId: 'ann', name: 'Ann', role: 'agent' }, epoch: 1, offer: null });
    expect(decision.change).toMatchObject({ kind: 'claimed', by: 'ann', from: null, to: 'ann', epoch: 1 });
    expect(decision.record).toMatchObject({ how: 'claim', from: null, to: 'ann', by: 'ann', epoch: 1 });
  });

  it('lets a supervisor of any team claim', () => {
    expect(ok(decide(unowned, { type: 'claim' }, sue)).ownership.owner?.userId).toBe('sue');
  });

  it('refuses a second claimant with already_owned and the current owner', () => {
    const refusal = decide(ownedByAnn, { type: 'claim' }, amy);
    expect(codeOf(refusal)).toBe('already_owned');
    expect((refusal as CaseroomError).details).toEqual({ owner: ownedByAnn.owner, epoch: 1 });
  });

  it('treats a repeated claim by the owner as no change', () => {
    const decision = ok(decide(ownedByAnn, { type: 'claim' }, ann));
    expect(decision.change).toBeNull();
    expect(decision.ownership).toBe(ownedByAnn);
  });

  it('refuses specialists and bots with cannot_own', () => {
    expect(codeOf(decide(unowned, { type: 'claim' }, sam))).toBe('cannot_own');
    expect(codeOf(decide(unowned, { type: 'claim' }, qaBot))).toBe('cannot_own');
  });
});

describe('handoff', () => {
  it('records an offer without changing the owner', () => {
    const decision = ok(decide(ownedByAnn, { type: 'offer', to: amy }, ann));
    expect(decision.ownership.owner?.userId).toBe('ann');
    expect(decision.ownership.offer).toMatchObject({ to: { userId: 'amy' }, by: 'ann' });
    expect(decision.ownership.epoch).toBe(2);
    expect(decision.change).toMatchObject({ kind: 'handoff_offered', by: 'ann', from: 'ann', to: 'amy', epoch: 2 });
    expect(decision.record).toBeNull();
  });

  it('refuses offers by anyone but the owner, to oneself, to specialists and outside the team', () => {
    expect(codeOf(decide(ownedByAnn, { type: 'offer', to: ann }, amy))).toBe('not_owner');
    expect(codeOf(decide(unowned, { type: 'offer', to: amy }, ann))).toBe('not_owner');
    expect(codeOf(decide(ownedByAnn, { type: 'offer', to: ann }, ann))).toBe('invalid_handoff');
    expect(codeOf(decide(ownedByAnn, { type: 'offer', to: sam }, ann))).toBe('cannot_own');
    expect(codeOf(decide(ownedByAnn, { type: 'offer', to: otto }, ann))).toBe('outside_team');
  });

  it('allows an offer to a supervisor of another team', () => {
    expect(ok(decide(ownedByAnn, { type: 'offer', to: sue }, ann)).ownership.offer?.to.userId).toBe('sue');
  });

  it('moves ownership when the named person accepts', () => {
    const decision = ok(decide(offeredToAmy, { type: 'accept' }, amy));
    expect(decision.ownership).toEqual({ owner: { userId: 'amy', name: 'Amy', role: 'agent' }, epoch: 3, offer: null });
    expect(decision.record).toMatchObject({ how: 'handoff', from: 'ann', to: 'amy', by: 'amy', epoch: 3 });
  });

  it('keeps the owner when the named person declines', () => {
    const decision = ok(decide(offeredToAmy, { type: 'decline' }, amy));
    expect(decision.ownership).toEqual({ ...ownedByAnn, epoch: 3 });
    expect(decision.change?.kind).toBe('handoff_declined');
    expect(decision.record).toBeNull();
  });

  it('refuses accept and decline by anyone the case was not offered to', () => {
    expect(codeOf(decide(offeredToAmy, { type: 'accept' }, sue))).toBe('not_offered');
    expect(codeOf(decide(offeredToAmy, { type: 'decline' }, ann))).toBe('not_offered');
    expect(codeOf(decide(ownedByAnn, { type: 'accept' }, amy))).toBe('not_offered');
  });
});

describe('reassign', () => {
  it('lets a supervisor give the case to a team member directly, clearing any offer', () => {
    const decision = ok(decide(offeredToAmy, { type: 'reassign', to: amy }, sue));
    expect(decision.ownership).toEqual({ owner: { userId: 'amy', name: 'Amy', role: 'agent' }, epoch: 3, offer: null });
    expect(decision.record).toMatchObject({ how: 'reassign', from: 'ann', to: 'amy', by: 'sue' });
  });

  it('refuses non-supervisors, specialists as targets and targets outside the team', () => {
    expect(codeOf(decide(ownedByAnn, { type: 'reassign', to: amy }, ann))).toBe('supervisor_only');
    expect(codeOf(decide(ownedByAnn, { type: 'reassign', to: sam }, sue))).toBe('cannot_own');
    expect(codeOf(decide(ownedByAnn, { type: 'reassign', to: otto }, sue))).toBe('outside_team');
  });

  it('changes nothing when the target already owns the case', () => {
    expect(ok(decide(ownedByAnn, { type: 'reassign', to: ann }, sue)).change).toBeNull();
  });
});

describe('release', () => {
  it('lets the owner release a resolved case', () => {
    const decision = ok(decide(ownedByAnn, { type: 'release' }, ann, 'resolved'));
    expect(decision.ownership).toEqual({ owner: null, epoch: 2, offer: null });
    expect(decision.record).toMatchObject({ how: 'release', from: 'ann', to: null });
  });

  it('refuses a release before the case is resolved', () => {
    expect(codeOf(decide(ownedByAnn, { type: 'release' }, ann, 'open'))).toBe('case_not_resolved');
  });

  it('refuses a release by anyone but the owner', () => {
    expect(codeOf(decide(ownedByAnn, { type: 'release' }, amy, 'resolved'))).toBe('not_owner');
    expect(codeOf(decide(ownedByAnn, { type: 'release' }, sue, 'resolved'))).toBe('not_owner');
    expect(codeOf(decide(unowned, { type: 'release' }, ann, 'resolved'))).toBe('not_owner');
  });
});

it('bumps the epoch by exactly one on every change', () => {
  let state = unowned;
  const steps: Array<[OwnershipCommand, Identity, 'open' | 'resolved']> = [
    [{ type: 'claim' }, ann, 'open'],
    [{ type: 'offer', to: amy }, ann, 'open'],
    [{ type: 'decline' }, amy, 'open'],
    [{ type: 'offer', to: amy }, ann, 'open'],
    [{ type: 'accept' }, amy, 'open'],
    [{ type: 'reassign', to: ann }, sue, 'open'],
    [{ type: 'release' }, ann, 'resolved'],
  ];
  steps.forEach(([command, actor, status], i) => {
    state = ok(decide(state, command, actor, status)).ownership;
    expect(state.epoch).toBe(i + 1);
  });
  expect(state.owner).toBeNull();
});
