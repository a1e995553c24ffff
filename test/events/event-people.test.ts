/**
 * Who case events name: the person who left a room is the actor of `member.left`, a notes edit by
 * several people credits each of them, and a handoff offer names the person offered in `to`.
 */
import type { CaseSession, OwnershipChange } from '@caseroom/client';
import type { Identity } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, connectBot } from '../helpers/bots.js';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { amy, ann, sam } from '../helpers/people.js';
import { waitForSession } from '../helpers/session.js';
import { nextEvent, waitForDoc } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  // A notes burst stays open for a second: long enough for a second person to join it.
  hub = await startTestHub({ CASEROOM_NOTES_DEBOUNCE_MS: '1000', CASEROOM_PRESENCE_GRACE_MS: '50' });
});
afterAll(() => hub.stop());

const open = async (caseId: string, who: Identity): Promise<CaseSession> => (await openCaseAs(hub.url, caseId, who)).session;

async function following(caseId: string): Promise<Collector> {
  const seen = new Collector(await connectBot(hub.url), { cases: [caseId], after: 'start' });
  await seen.subscription.ready;
  return seen;
}

describe('the people case events name', () => {
  it('makes the person who left the actor of member.left', async () => {
    const caseId = await hub.createCase();
    const seen = await following(caseId);
    const a = await open(caseId, ann);
    const s = await open(caseId, sam);
    await waitForSession(a, 'roster', 'Sam in the room', (session) => session.roster.some((m) => m.userId === 'sam'));
    await s.close();
    const left = await seen.first('member.left', caseId);
    expect(left.actor).toEqual({ userId: 'sam', name: 'Sam', role: 'specialist' });
    expect(left.data).toEqual({ userId: 'sam', role: 'specialist' });
    await a.close();
    await seen.until('Ann to leave too', (events) => events.filter((e) => e.type === 'member.left').length === 2);
    expect(seen.events.filter((e) => e.type === 'member.left').map((e) => e.actor?.name)).toEqual(['Sam', 'Ann']);
  });

  it('credits every editor of a burst of notes edits, by name', async () => {
    const caseId = await hub.createCase();
    const seen = await following(caseId);
    const a = await open(caseId, ann);
    const m = await open(caseId, amy);
    a.notes.insert(0, 'Charged twice.');
    await waitForDoc(m.doc, 'Amy to see Ann’s words', () => m.notes.toString() === 'Charged twice.');
    m.notes.insert(m.notes.length, ' Refund due.');
    const notes = await seen.first('notes.changed', caseId);
    expect(notes.data).toMatchObject({
      inserted: 26,
      excerpt: 'Charged twice. Refund due.',
      editors: [
        { userId: 'ann', name: 'Ann', role: 'agent' },
        { userId: 'amy', name: 'Amy', role: 'agent' },
      ],
    });
    expect(notes.actor?.userId).toBe('amy');
    expect(seen.types(caseId).filter((type) => type === 'notes.changed')).toHaveLength(1);
  });

  it('names the person offered in the to of owner.handoff_offered, and the owner in its from', async () => {
    const caseId = await hub.createCase();
    const seen = await following(caseId);
    const a = await open(caseId, ann);
    const m = await open(caseId, amy);
    await a.claim();
    const offeredChange = nextEvent<OwnershipChange>(
      'the offer announced to Amy',
      (listener) => m.on('owner', (_owner, _ownership, change) => change && listener(change)),
      (change) => change.kind === 'handoff_offered',
    );
    await a.offerHandoff('amy');
    expect(await offeredChange).toMatchObject({ kind: 'handoff_offered', by: 'ann', from: 'ann', to: 'amy' });
    const offered = await seen.first('owner.handoff_offered', caseId);
    expect(offered.actor?.userId).toBe('ann');
    expect(offered.data).toMatchObject({ from: 'ann', to: 'amy', offer: { to: { userId: 'amy', name: 'Amy' }, by: 'ann' } });
    await m.declineHandoff();
    const declined = await seen.first('owner.handoff_declined', caseId);
    expect(declined.data).toMatchObject({ from: 'ann', to: 'ann', offer: null });
  });
});
