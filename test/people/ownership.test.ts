import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '@caseroom/shared';
import { openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { refusalOf, waitForSession } from '../helpers/session.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_PRESENCE_GRACE_MS: '50' });
});
afterAll(() => hub.stop());

const open = (caseId: string, who: Identity) => openCaseAs(hub.url, caseId, who);

async function caseOverHttp(caseId: string) {
  const res = await fetch(`${hub.url}/api/cases/${caseId}`, { headers: { authorization: `Bearer ${await mintToken(people.sue)}` } });
  return (await res.json()) as {
    ownership: { owner: { userId: string } | null; epoch: number };
    history: Array<{ how: string; to: string | null; by: string }>;
  };
}

describe('the single owner', () => {
  it('gives the case to exactly one of 50 racing claims, and every client ends on the same owner and epoch', async () => {
    const caseId = await hub.createCase();
    const sessions = await Promise.all(Array.from({ length: 50 }, async (_, i) => (await open(caseId, people.agentNumber(i))).session));
    const results = await Promise.allSettled(sessions.map((s) => s.claim()));
    const winners = results.filter((r) => r.status === 'fulfilled');
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(refusals).toHaveLength(49);
    expect(new Set(refusals.map((r) => (r.reason as { code: string }).code))).toEqual(new Set(['already_owned']));

    const winner = (winners[0] as PromiseFulfilledResult<{ owner: { userId: string }; epoch: number }>).value;
    expect(winner.epoch).toBe(1);
    await Promise.all(sessions.map((s) => waitForSession(s, 'owner', 'the winning owner', (x) => x.ownership.epoch === winner.epoch)));
    for (const s of sessions) expect(s.owner?.userId).toBe(winner.owner.userId);
    // The refusal names the owner, so the losing agent's app can show who has the customer.
    const details = (refusals[0]!.reason as { details?: { owner?: { userId: string } } }).details;
    expect(details?.owner?.userId).toBe(winner.owner.userId);
    expect((await caseOverHttp(caseId)).history).toEqual([expect.objectContaining({ how: 'claim', to: winner.owner.userId })]);
  });

  it('keeps the owner while they are offline, shown as offline', async () => {
    const caseId = await hub.createCase();
    const ann = await open(caseId, people.ann);
    const sam = await open(caseId, people.sam);
    await ann.session.claim();
    await waitForSession(sam.session, 'owner', 'ann as owner', (s) => s.owner?.userId === 'ann' && s.owner.online);

    await ann.client.close();
    await waitForSession(sam.session, 'roster', 'ann to leave the roster', (s) => !s.roster.some((m) => m.userId === 'ann'));
    expect(sam.session.owner).toMatchObject({ userId: 'ann', online: false });
    expect(await refusalOf(sam.session.claim())).toBe('cannot_own');
    const amy = await open(caseId, people.amy);
    expect(amy.session.owner).toMatchObject({ userId: 'ann', online: false });
    expect(await refusalOf(amy.session.claim())).toBe('already_owned');
  });

  it('moves the case on an accepted handoff and keeps it on a declined one', async () => {
    const caseId = await hub.createCase();
    const ann = await open(caseId, people.ann);
    const amy = await open(caseId, people.amy);
    await ann.session.claim();

    await ann.session.offerHandoff('amy');
    await waitForSession(amy.session, 'owner', 'the offer to amy', (s) => s.ownership.offer?.to.userId === 'amy');
    await amy.session.declineHandoff();
    await waitForSession(ann.session, 'owner', 'the decline', (s) => s.ownership.offer === null && s.ownership.epoch === 3);
    expect(ann.session.owner?.userId).toBe('ann');

    await ann.session.offerHandoff('amy');
    const accepted = await amy.session.acceptHandoff();
    expect(accepted).toMatchObject({ owner: { userId: 'amy' }, epoch: 5, offer: null });
    await waitForSession(ann.session, 'owner', 'amy as owner', (s) => s.owner?.userId === 'amy');

    const { history, ownership } = await caseOverHttp(caseId);
    expect(ownership).toMatchObject({ owner: { userId: 'amy' }, epoch: 5 });
    expect(history.map((h) => [h.how, h.to, h.by])).toEqual([
      ['claim', 'ann', 'ann'],
      ['handoff', 'amy', 'amy'],
    ]);
  });

  it('lets a supervisor reassign directly, and the owner release once the case is resolved', async () => {
    const caseId = await hub.createCase();
    const ann = await open(caseId, people.ann);
    const amy = await open(caseId, people.amy);
    const sue = await open(caseId, people.sue);
    await ann.session.claim();
    await sue.session.reassign('amy');
    await waitForSession(ann.session, 'owner', 'amy as owner', (s) => s.owner?.userId === 'amy');

    expect(await refusalOf(amy.session.release())).toBe('case_not_resolved');
    const resolved = await amy.session.resolve();
    expect(resolved.status).toBe('resolved');
    await waitForSession(ann.session, 'case', 'the case to be resolved', (s) => s.case?.status === 'resolved');
    const released = await amy.session.release();
    expect(released).toMatchObject({ owner: null, epoch: 3 });
    await waitForSession(sue.session, 'owner', 'no owner', (s) => s.owner === null && s.ownership.epoch === 3);
    expect((await caseOverHttp(caseId)).history.map((h) => h.how)).toEqual(['claim', 'reassign', 'release']);
  });
});

it('stores an ownership change before anyone hears of it', async () => {
  const caseId = await hub.createCase();
  const ann = await open(caseId, people.ann);
  const sam = await open(caseId, people.sam);
  const seenByHttp = new Promise<unknown>((resolve) => {
    sam.session.on('owner', (_owner, _ownership, change) => {
      if (change?.kind === 'claimed') resolve(caseOverHttp(caseId));
    });
  });
  await ann.session.claim();
  expect(await seenByHttp).toMatchObject({ ownership: { owner: { userId: 'ann' }, epoch: 1 }, history: [{ how: 'claim', to: 'ann' }] });
});

describe('refusals change nothing', () => {
  it('refuses each forbidden ownership change with its own code', async () => {
    const caseId = await hub.createCase();
    const ann = await open(caseId, people.ann);
    const amy = await open(caseId, people.amy);
    const sam = await open(caseId, people.sam);
    const bot = await open(caseId, people.intakeBot);
    await open(await hub.createCase({ team: 'shipping' }), people.otto); // otto has signed in (another team)

    expect(await refusalOf(sam.session.claim())).toBe('cannot_own');
    expect(await refusalOf(bot.session.claim())).toBe('cannot_own');
    await ann.session.claim();
    expect(await refusalOf(ann.session.offerHandoff('otto'))).toBe('outside_team');
    expect(await refusalOf(ann.session.offerHandoff('sam'))).toBe('cannot_own');
    expect(await refusalOf(ann.session.offerHandoff('nobody-signed-in'))).toBe('unknown_user');
    expect(await refusalOf(amy.session.acceptHandoff())).toBe('not_offered');
    expect(await refusalOf(amy.session.offerHandoff('ann'))).toBe('not_owner');
    expect(await refusalOf(amy.session.release())).toBe('not_owner');
    expect(await refusalOf(amy.session.reassign('amy'))).toBe('supervisor_only');
    expect(await refusalOf(amy.session.resolve())).toBe('not_owner');

    const { ownership, history } = await caseOverHttp(caseId);
    expect(ownership).toMatchObject({ owner: { userId: 'ann' }, epoch: 1, offer: null });
    expect(history).toHaveLength(1);
    expect(amy.session.ownership.epoch).toBe(1);
  });

  it('refuses ownership requests for a case the socket has not joined', async () => {
    const caseId = await hub.createCase();
    const other = await hub.createCase();
    const ann = await open(caseId, people.ann);
    const ack = (await ann.client.socket.emitWithAck('owner:claim', { caseId: other })) as { ok: boolean; error?: { code: string } };
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    const bad = (await ann.client.socket.emitWithAck('owner:offer', { caseId } as never)) as {
      ok: boolean;
      error?: { code: string; field?: string };
    };
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'userId' } });
    expect((await caseOverHttp(other)).ownership.owner).toBeNull();
  });
});
