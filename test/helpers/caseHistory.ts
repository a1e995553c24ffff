/**
 * Cases with a real history, made by real clients through a hub: edited documents, an owner
 * changed with history, an approval asked, decided and reviewed, a conversation with a delivery
 * report and a floor. For tests that copy a store (backups, export and import) and compare.
 */
import type { Approval, CaseEvent } from '@caseroom/shared';
import type { CaseStore } from '@caseroom/server';
import { expect } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from './clients.js';
import { inboundPost, participant } from './conversation.js';
import { api } from './http.js';
import { mintToken, type TestHub } from './hub.js';
import { amy, ann, chatConnector, sam, sue } from './people.js';
import { pollUntil } from './wait.js';

/** A hub setting for these cases: a notes edit is one `notes.changed` event soon after it. */
export const quickNotes = { CASEROOM_NOTES_DEBOUNCE_MS: '20' };

/** Makes a case of team billing with every kind of record; the clients stay connected (closed after the test). */
export async function livedCase(hub: TestHub, id: string): Promise<string> {
  const caseId = await hub.createCase({ id, subject: `Charged twice (${id})` });
  const owner = await openCaseAs(hub.url, caseId, ann);
  const peer = await openCaseAs(hub.url, caseId, amy);
  await openCaseAs(hub.url, caseId, sam);
  await owner.session.claim();

  owner.session.notes.insert(0, `Customer of ${id} was charged twice for order A-1.`);
  owner.session.steps.add({ text: 'Refund the second charge', assignee: 'ann', due: '2030-01-01T09:00:00.000Z' });
  const done = owner.session.steps.add({ text: 'Check the order' });
  owner.session.steps.complete(done);
  owner.session.facts.record('order', 'A-1');
  await owner.session.flushed();

  const connector = await participant(hub.url, chatConnector);
  expect(await connector.request('conversation:post', inboundPost(caseId, 'I was charged twice'))).toMatchObject({ ok: true });
  const reply = await owner.session.send('Sorry about that: refunding now.');
  expect(await connector.request('conversation:delivery', { caseId, seq: reply.seq, status: 'delivered' })).toMatchObject({ ok: true });

  const asked = await owner.session.requestApproval({ kind: 'refund', summary: 'Refund the double charge', amount: 40, currency: 'EUR' });
  const decided = await peer.client.approve(asked.id, 'fine');
  expect(decided.status).toBe('approved');
  const reviewed = await api(hub.url, `/api/reviews/${asked.id}`, {
    token: await mintToken(sue),
    body: { verdict: 'upheld', note: 'within policy' },
  });
  expect(reviewed.status).toBe(200);

  await owner.session.offerHandoff('amy');
  await peer.session.acceptHandoff();
  await peer.session.giveFloor('sam');
  // The customer writes again: the case waits for an answer.
  expect(await connector.request('conversation:post', inboundPost(caseId, 'Any news?'))).toMatchObject({ ok: true });
  await peer.session.flushed();
  await pollUntil('the notes edit to be recorded', async () =>
    (await hub.store.events.forCase(caseId, 0, 1000)).some((event) => event.type === 'notes.changed'),
  );
  return caseId;
}

/** A client keeps writing to an unowned case (notes; claiming and releasing it) until `stop`, which answers how many rounds it made. */
export async function keepWriting(hub: TestHub, caseId: string): Promise<{ stop: () => Promise<number> }> {
  const { session } = await openCaseAs(hub.url, caseId, { ...ann, userId: `writer-${caseId}`, name: `Writer ${caseId}` });
  let running = true;
  let writes = 0;
  const loop = (async () => {
    while (running) {
      session.notes.insert(session.notes.length, ` edit ${writes}`);
      await session.flushed();
      if (writes % 5 === 0) await (session.owner?.userId === session.you?.userId ? session.release() : session.claim()).catch(() => null);
      writes++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return writes;
    },
  };
}

/** What the stores hold of a case, through their interfaces, with store-specific event ids left out. */
export async function caseAsStored(store: CaseStore, caseId: string) {
  const stored = await store.documents.load(caseId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  const approvals: Approval[] = (await store.approvals.list({ caseId, limit: 100 })).items;
  const events: Omit<CaseEvent, 'id'>[] = (await store.events.forCase(caseId, 0, 10_000)).map(({ id: _id, ...event }) => event);
  const deadlines = (await store.deadlines.due(Date.parse('2100-01-01T00:00:00.000Z'), 10_000)).filter((d) => d.caseId === caseId);
  const content = doc.toJSON();
  const stateVector = Buffer.from(Y.encodeStateVector(doc)).toString('base64');
  doc.destroy();
  return {
    record: await store.cases.get(caseId),
    document: { content, stateVector },
    ownership: await store.ownership.get(caseId),
    history: await store.ownership.history(caseId),
    approvals,
    messages: await store.conversation.list(caseId, { after: 0, limit: 10_000 }),
    floor: await store.conversation.floor(caseId),
    events,
    deadlines,
  };
}
