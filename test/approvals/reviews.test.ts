import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, Identity } from '@caseroom/shared';
import { connectClient } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import { amy, ann, sue } from '../helpers/people.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

async function http(path: string, who: Identity, init: RequestInit = {}) {
  const res = await fetch(`${hub.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await mintToken(who)}` },
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      ok: boolean;
      reviews?: Approval[];
      nextCursor?: string | null;
      approval?: Approval;
      error?: { code: string; field?: string };
    },
  };
}

/** Opens `count` requests in a fresh case of team billing and has a peer decide all but `pending` of them. */
async function decidedRequests(count: number, pending = 0): Promise<Approval[]> {
  const caseId = await hub.createCase();
  const requester = connectClient(hub.url, await mintToken(ann));
  const session = requester.openCase(caseId);
  await session.synced;
  const peer = connectClient(hub.url, await mintToken(amy));
  await waitFor(
    'the peer to connect',
    (check) => peer.on('status', check),
    () => peer.status === 'connected' || undefined,
  );
  const out: Approval[] = [];
  for (let i = 0; i < count + pending; i++) {
    const approval = await session.requestApproval({ kind: 'refund', summary: `refund ${i}`, amount: 10 + i, currency: 'EUR' });
    out.push(i < count ? await (i % 2 ? peer.reject(approval.id, 'no') : peer.approve(approval.id, 'yes')) : approval);
  }
  return out;
}

describe('the review queue', () => {
  it('lists decided requests for supervisors, page by page, and records their review', async () => {
    const requests = await decidedRequests(5, 1);
    const decidedIds = requests.filter((r) => r.status !== 'pending').map((r) => r.id);

    const seen: Approval[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await http(`/api/reviews?team=billing&reviewed=false&limit=2${cursor ? `&cursor=${cursor}` : ''}`, sue);
      expect(page.status).toBe(200);
      expect(page.body.reviews!.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.reviews!);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.map((r) => r.id).filter((id) => decidedIds.includes(id))).toEqual(decidedIds);
    expect(seen.some((r) => r.status === 'pending')).toBe(false);

    const [first] = decidedIds;
    const reviewed = await http(`/api/reviews/${first}`, sue, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'corrected', note: 'Refund should have been 8.00' }),
    });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.approval).toMatchObject({
      id: first,
      amount: 10,
      currency: 'EUR',
      requestedBy: { userId: 'ann' },
      decisions: [{ by: { userId: 'amy' }, verdict: 'approve', comment: 'yes' }],
      review: { by: { userId: 'sue' }, verdict: 'corrected', note: 'Refund should have been 8.00' },
    });
    const open = await http('/api/reviews?team=billing&reviewed=false&limit=200', sue);
    expect(open.body.reviews!.map((r) => r.id)).not.toContain(first);
    const done = await http('/api/reviews?team=billing&reviewed=true&limit=200', sue);
    expect(done.body.reviews!.map((r) => r.id)).toContain(first);
  });

  it('refuses agents, undecided requests, second reviews and bad verdicts', async () => {
    const [decided, pending] = await decidedRequests(1, 1);
    expect((await http('/api/reviews', ann)).body.error?.code).toBe('supervisor_only');
    const byAgent = await http(`/api/reviews/${decided!.id}`, ann, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'upheld', note: 'ok' }),
    });
    expect([byAgent.status, byAgent.body.error?.code]).toEqual([403, 'supervisor_only']);
    const ofPending = await http(`/api/reviews/${pending!.id}`, sue, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'upheld', note: 'ok' }),
    });
    expect([ofPending.status, ofPending.body.error?.code]).toEqual([409, 'not_decided']);
    const badVerdict = await http(`/api/reviews/${decided!.id}`, sue, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'fine', note: 'ok' }),
    });
    expect([badVerdict.status, badVerdict.body.error?.field]).toEqual([400, 'verdict']);
    const unknown = await http('/api/reviews/nope', sue, { method: 'POST', body: JSON.stringify({ verdict: 'upheld', note: 'ok' }) });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'unknown_approval']);
    expect(
      (await http(`/api/reviews/${decided!.id}`, sue, { method: 'POST', body: JSON.stringify({ verdict: 'upheld', note: 'ok' }) })).status,
    ).toBe(200);
    const twice = await http(`/api/reviews/${decided!.id}`, sue, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'corrected', note: 'changed my mind' }),
    });
    expect([twice.status, twice.body.error?.code]).toEqual([409, 'already_reviewed']);
    expect((await http(`/api/approvals/${decided!.id}`, sue)).body.approval?.review?.verdict).toBe('upheld');
  });
});
