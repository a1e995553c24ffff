import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseSession } from '@caseroom/client';
import type { CaseEvent, Identity } from '@caseroom/shared';
import { Collector, connectBot } from '../helpers/bots.js';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor, waitForDoc } from '../helpers/wait.js';
import { amy, ann, sue } from '../helpers/people.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_NOTES_DEBOUNCE_MS: '50', CASEROOM_PRESENCE_GRACE_MS: '50', CASEROOM_ROOM_GRACE_MS: '50' });
});
afterAll(() => hub.stop());

const open = async (caseId: string, who: Identity): Promise<CaseSession> => (await openCaseAs(hub.url, caseId, who)).session;

async function eventsOver(caseId: string, query = ''): Promise<{ events: CaseEvent[]; nextAfter: number | null }> {
  const res = await fetch(`${hub.url}/api/cases/${caseId}/events${query}`, {
    headers: { authorization: `Bearer ${await mintToken(ann)}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { events: CaseEvent[]; nextAfter: number | null };
}

describe('the case event log', () => {
  it('records every kind of change, numbered in order within the case', async () => {
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: 'team' });
    await seen.subscription.ready;
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const m = await open(caseId, amy);
    await a.claim();
    await a.offerHandoff('amy');
    await m.declineHandoff();
    await a.offerHandoff('amy');
    await m.acceptHandoff();
    const s = await open(caseId, sue);
    await s.reassign('ann');

    a.notes.insert(0, 'Customer was charged twice for order A-1001.');
    await seen.first('notes.changed', caseId);
    const stepId = a.steps.add({ text: 'Refund the duplicate', assignee: 'amy' });
    a.facts.record('order number', 'A-1001');
    await waitForDoc(m.doc, 'amy to see the step', () => m.steps.get(stepId) !== undefined);
    m.steps.complete(stepId);
    await seen.first('step.completed', caseId);
    a.steps.remove(stepId);

    const peer = connectClient(hub.url, await mintToken(amy));
    await peer.openCase(caseId).synced;
    const approved = await a.requestApproval({ kind: 'refund', summary: 'Refund 49', amount: 49, currency: 'EUR' });
    await peer.approve(approved.id);
    const rejected = await a.requestApproval({ kind: 'refund', summary: 'Refund 12', amount: 12, currency: 'EUR' });
    await peer.reject(rejected.id, 'policy applies');
    const cancelled = await a.requestApproval({ kind: 'fee_waiver', summary: 'Waive fee' });
    await connectClient(hub.url, await mintToken(ann)).openCase(caseId).synced;
    await peer.cancel(cancelled.id).catch(() => undefined);
    await a.resolve();
    await a.release();
    await m.close();
    await peer.close();
    await seen.first('member.left', caseId);

    const types = (await eventsOver(caseId, '?limit=500')).events.map((e) => e.type);
    for (const type of [
      'case.created',
      'member.joined',
      'owner.claimed',
      'owner.handoff_offered',
      'owner.handoff_declined',
      'owner.handoff_accepted',
      'owner.reassigned',
      'notes.changed',
      'step.added',
      'fact.recorded',
      'step.completed',
      'step.removed',
      'approval.requested',
      'approval.approved',
      'approval.rejected',
      'case.status_changed',
      'owner.released',
      'member.left',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(types[0]).toBe('case.created');
    const events = (await eventsOver(caseId, '?limit=500')).events;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const claimed = events.find((e) => e.type === 'owner.claimed')!;
    expect(claimed).toMatchObject({ caseId, actor: { userId: 'ann', role: 'agent' }, data: { epoch: 1, to: 'ann' } });
    const notes = events.find((e) => e.type === 'notes.changed')!;
    expect(notes.data).toMatchObject({
      inserted: 44,
      deleted: 0,
      excerpt: 'Customer was charged twice for order A-1001.',
      editors: [{ userId: 'ann', name: 'Ann', role: 'agent' }],
    });
    expect(events.find((e) => e.type === 'fact.recorded')!.data).toMatchObject({ question: 'order number', answer: 'A-1001', by: 'ann' });
  });

  it('counts what a burst of note edits inserted and deleted', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: [caseId], after: '0' });
    a.notes.insert(0, 'abcdef');
    a.notes.delete(0, 2);
    a.notes.insert(4, 'XY');
    a.doc.transact(() => {
      a.notes.insert(0, 'gone');
      a.notes.delete(0, 4);
    });
    const notes = await seen.first('notes.changed', caseId);
    expect(notes.data).toMatchObject({
      inserted: 8,
      deleted: 2,
      excerpt: 'abcdefXY',
      editors: [{ userId: 'ann', name: 'Ann', role: 'agent' }],
    });
    await bot.close();
  });

  it('pages through a case’s events with ?after=seq', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    for (let i = 0; i < 7; i++) a.facts.record(`question ${i}`, `answer ${i}`);
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: [caseId], after: '0' });
    await seen.until('7 facts', (events) => events.filter((e) => e.type === 'fact.recorded').length === 7);

    const all: CaseEvent[] = [];
    let after = 0;
    for (;;) {
      const page = await eventsOver(caseId, `?after=${after}&limit=3`);
      expect(page.events.length).toBeLessThanOrEqual(3);
      all.push(...page.events);
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((e) => e.type === 'fact.recorded').map((e) => e.data.question)).toEqual(
      Array.from({ length: 7 }, (_, i) => `question ${i}`),
    );
  });

  it('stores an event before it is announced', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const readOnAnnouncement = new Promise<CaseEvent[]>((resolve) => {
      a.on('owner', (_o, _s, change) => {
        if (change?.kind === 'claimed') resolve(eventsOver(caseId).then((page) => page.events));
      });
    });
    await a.claim();
    expect((await readOnAnnouncement).map((e) => e.type)).toContain('owner.claimed');
  });

  it('turns the first edits to a case loaded again from the store into events, and only those edits', async () => {
    const caseId = await hub.createCase();
    const a = await open(caseId, ann);
    const kept = a.steps.add({ text: 'Check the payment log' });
    a.facts.record('order number', 'A-1001');
    a.notes.insert(0, 'First visit. ');
    await a.flushed();
    await a.close();
    await waitFor(
      'the room to unload',
      (check) => {
        hub.rooms.on('unloaded', check);
        return () => hub.rooms.off('unloaded', check);
      },
      () => hub.rooms.get(caseId) === undefined,
    );
    const lastSeq = (await eventsOver(caseId, '?limit=500')).events.at(-1)!.seq;

    const m = await open(caseId, amy);
    expect(m.steps.get(kept)?.text).toBe('Check the payment log');
    m.steps.complete(kept);
    const added = m.steps.add({ text: 'Refund the duplicate' });
    m.facts.record('email', 'kim@example.com');
    m.notes.insert(m.notes.length, 'Second visit.');
    await m.flushed();
    const bot = await connectBot(hub.url);
    const seen = new Collector(bot, { cases: [caseId], after: '0' });
    const later = (events: CaseEvent[]): CaseEvent[] => events.filter((e) => e.seq > lastSeq);
    await seen.until('the second visit’s edits', (events) => later(events).some((e) => e.type === 'notes.changed'));
    const edits = later(seen.events).filter((e) => e.type !== 'member.joined' && e.type !== 'member.left');
    // Edits made in one go reach the hub merged, as one change: their events come in the watcher's order.
    const described = edits.map((e) => [e.type, e.data.stepId ?? e.data.question ?? e.data.excerpt]);
    expect(described).toHaveLength(4);
    expect(described).toEqual(
      expect.arrayContaining([
        ['step.completed', kept],
        ['step.added', added],
        ['fact.recorded', 'email'],
        ['notes.changed', 'Second visit.'],
      ]),
    );
    await bot.close();
  });
});
