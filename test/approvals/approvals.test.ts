import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseClient, CaseSession } from '@caseroom/client';
import type { Approval, ApprovalUpdate, Identity } from '@caseroom/shared';
import { connectAs, openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { refusalOf } from '../helpers/session.js';
import { nextEvent, waitFor } from '../helpers/wait.js';
import { agentNumber, amy, ann, otto, qaBot, sam, sue } from '../helpers/people.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({
    CASEROOM_APPROVAL_POLICY: JSON.stringify({ kinds: { payment_plan: { approvals: 2 } } }),
  });
});
afterAll(() => hub.stop());

const refund = {
  kind: 'refund',
  summary: 'Refund the 49.00 delivery fee',
  amount: 49,
  currency: 'EUR',
  customerProposal: 'refund the fee',
  policyRef: 'FEES-3',
};

const connected = (who: Identity): Promise<CaseClient> => connectAs(hub.url, who);

const open = (caseId: string, who: Identity) => openCaseAs(hub.url, caseId, who);

function waitForApproval(session: CaseSession, id: string, status: Approval['status']): Promise<true> {
  return waitFor(
    `approval ${id} to be ${status}`,
    (check) => session.on('approvals', check),
    () => session.approvals.some((a) => a.id === id && a.status === status) || undefined,
  );
}

async function http(path: string, who: Identity, init: RequestInit = {}) {
  const res = await fetch(`${hub.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await mintToken(who)}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { approval?: Approval; reviews?: Approval[] } };
}

describe('asking a peer', () => {
  it('approves on one peer, shows it to the room, and queues it for review', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const s = await open(caseId, sam);
    const approval = await a.session.requestApproval(refund);
    expect(approval).toMatchObject({
      status: 'pending',
      caseId,
      team: 'billing',
      amount: 49,
      currency: 'EUR',
      requestedBy: { userId: 'ann' },
      rule: { approvals: 1 },
    });
    await waitForApproval(s.session, approval.id, 'pending');

    const approved = await s.client.approve(approval.id, 'fair, the parcel was late');
    expect(approved).toMatchObject({
      status: 'approved',
      decisions: [{ by: { userId: 'sam' }, verdict: 'approve', comment: 'fair, the parcel was late' }],
    });
    await waitForApproval(a.session, approval.id, 'approved');

    const queue = await http(`/api/reviews?team=billing&reviewed=false`, sue);
    expect(queue.status).toBe(200);
    expect(queue.body.reviews?.find((r) => r.id === approval.id)).toMatchObject({
      status: 'approved',
      requestedBy: { userId: 'ann' },
      decisions: [{ by: { userId: 'sam' } }],
    });
  });

  it('reaches associates of the team who are not in the room, who can answer from the feed', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const peer = await connected(amy);
    const outsider = await connected(otto);
    const botClient = await connected(qaBot);
    const heardByOutsider: Approval[] = [];
    outsider.onApprovalRequested((x) => heardByOutsider.push(x));
    const heardByBot: Approval[] = [];
    botClient.onApprovalRequested((x) => heardByBot.push(x));
    const heard = new Promise<Approval>((resolve) => peer.onApprovalRequested(resolve));

    const approval = await a.session.requestApproval({ kind: 'fee_waiver', summary: 'Waive the late fee' });
    expect((await heard).id).toBe(approval.id);
    expect((await peer.pendingApprovals()).map((x) => x.id)).toContain(approval.id);
    await peer.reject(approval.id, 'policy applies');
    await waitForApproval(a.session, approval.id, 'rejected');
    expect(heardByOutsider).toEqual([]);
    expect(heardByBot).toEqual([]);
  });

  it('needs two peers under a quorum of two', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const approval = await a.session.requestApproval({
      kind: 'payment_plan',
      summary: 'Three monthly payments',
      amount: 300,
      currency: 'EUR',
    });
    expect(approval.rule).toEqual({ approvals: 2, supervisorSuffices: false });
    const first = await (await connected(amy)).approve(approval.id);
    expect(first.status).toBe('pending');
    const second = await (await connected(sam)).approve(approval.id);
    expect(second.status).toBe('approved');
    await waitForApproval(a.session, approval.id, 'approved');
  });

  it('lets the requester cancel while pending, and nobody else', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const peer = await connected(amy);
    const approval = await a.session.requestApproval(refund);
    expect(await refusalOf(peer.cancel(approval.id))).toBe('not_requester');
    expect((await a.client.cancel(approval.id)).status).toBe('cancelled');
    expect(await refusalOf(peer.approve(approval.id))).toBe('not_pending');
  });

  it('expires a request on the server clock while nobody is connected', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const approval = await a.session.requestApproval({ ...refund, expiresIn: 1 });
    const expired = nextEvent<ApprovalUpdate>(
      'the expiry',
      (listener) => hub.changes.on('approval', ({ update }) => listener(update)),
      (u) => u.approval.id === approval.id && u.change.kind === 'expired',
    );
    await a.client.close();
    expect((await expired).approval).toMatchObject({ status: 'expired', decisions: [] });
    expect((await http(`/api/approvals/${approval.id}`, amy)).body.approval?.status).toBe('expired');
    expect(await refusalOf((await connected(amy)).approve(approval.id))).toBe('approval_expired');
  });
});

describe('racing deciders', () => {
  it('gives one outcome when 20 peers decide at the same moment', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const approval = await a.session.requestApproval(refund);
    const peers = await Promise.all(Array.from({ length: 20 }, (_, i) => connected(agentNumber(i))));
    const results = await Promise.allSettled(peers.map((p, i) => (i % 2 === 0 ? p.approve(approval.id) : p.reject(approval.id))));
    const winners = results.filter((r): r is PromiseFulfilledResult<Approval> => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(new Set(losers.map((r) => (r.reason as { code: string }).code))).toEqual(new Set(['not_pending']));
    const outcome = winners[0]!.value;
    expect(outcome.decisions).toHaveLength(1);
    const stored = (await http(`/api/approvals/${approval.id}`, sue)).body.approval;
    expect(stored).toMatchObject({ status: outcome.status, decisions: [{ by: { userId: outcome.decisions[0]!.by.userId } }] });
    await waitForApproval(a.session, approval.id, outcome.status);
  });
});

describe('refusals change nothing', () => {
  it('refuses each bad request or decision with its own code', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const b = await open(caseId, qaBot);
    const approval = await a.session.requestApproval(refund);

    expect(await refusalOf(a.client.approve(approval.id))).toBe('self_approval');
    expect(await refusalOf(b.client.approve(approval.id))).toBe('bots_cannot_decide');
    expect(await refusalOf((await connected(otto)).approve(approval.id))).toBe('outside_team');
    expect(await refusalOf(a.client.approve('no-such-request'))).toBe('unknown_approval');
    expect(await refusalOf(b.session.requestApproval(refund))).toBe('forbidden');
    for (const bad of [
      { amount: -5, currency: 'EUR' },
      { amount: 10.005, currency: 'EUR' },
      { amount: 10 },
      { amount: 10, currency: 'euro' },
      { amount: '10' as unknown as number, currency: 'EUR' },
    ]) {
      expect(await refusalOf(a.session.requestApproval({ kind: 'refund', summary: 'x', ...bad }))).toBe('invalid_amount');
    }
    expect(await refusalOf(a.session.requestApproval({ kind: 'Refund!', summary: 'x' }))).toBe('invalid_payload');

    const quorumOfTwo = await a.session.requestApproval({ kind: 'payment_plan', summary: 'plan' });
    const peer = await connected(amy);
    await peer.approve(quorumOfTwo.id);
    expect(await refusalOf(peer.approve(quorumOfTwo.id))).toBe('already_decided');

    const other = await hub.createCase();
    const ack = await a.client.socket.emitWithAck('approval:request', { caseId: other, ...refund });
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_joined' } });

    const stored = (await http(`/api/approvals/${approval.id}`, sue)).body.approval;
    expect(stored).toMatchObject({ status: 'pending', decisions: [], version: 1 });
    expect((await http(`/api/approvals/${quorumOfTwo.id}`, sue)).body.approval).toMatchObject({
      status: 'pending',
      decisions: [{ by: { userId: 'amy' } }],
    });
    expect((await http(`/api/cases/${caseId}/approvals`, ann)).body.approvals).toHaveLength(2);
  });
});
