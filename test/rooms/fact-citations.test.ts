/**
 * A fact may cite the customer's message it came from (`cites`: the message's `seq`), so nobody has
 * to ask again where an answer came from. The hub checks the citation's shape at the door, like the
 * rest of the case document, and the `fact.recorded` event carries it.
 */
import { CaseDocument, type CaseEvent } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, sam } from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

const at = '2026-03-04T05:06:07.000Z';

async function storedFacts(caseId: string): Promise<CaseDocument['facts']> {
  const stored = await hub.store.documents.load(caseId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return new CaseDocument(doc).facts;
}

async function factEvents(caseId: string): Promise<CaseEvent[]> {
  return (await hub.store.events.forCase(caseId, 0, 100)).filter((e) => e.type === 'fact.recorded');
}

describe('a fact that cites a message', () => {
  it('is stored with its citation, and its event carries it', async () => {
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    const fact = session.facts.record('order number', 'A-1001', { cites: 3 });
    session.facts.record('preferred channel', 'e-mail');
    await session.flushed();

    expect(fact).toMatchObject({ answer: 'A-1001', by: 'ann', cites: 3 });
    const stored = await storedFacts(caseId);
    expect(stored.get('order number')).toEqual(fact);
    expect(stored.get('preferred channel')).not.toHaveProperty('cites');
    expect((await factEvents(caseId)).map((e) => e.data)).toEqual([
      { question: 'order number', answer: 'A-1001', by: 'ann', at: fact.at, cites: 3 },
      { question: 'preferred channel', answer: 'e-mail', by: 'ann', at: expect.any(String) },
    ]);
  });

  it('records a new event when only its citation is corrected', async () => {
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    const when = new Date(at);
    session.facts.record('order number', 'A-1001', { at: when, cites: 3 });
    await session.flushed();
    session.facts.record('order number', 'A-1001', { at: when, cites: 4 });
    await session.flushed();
    expect((await factEvents(caseId)).map((e) => e.data.cites)).toEqual([3, 4]);
  });

  it('is refused with invalid_document, changing nothing, when the citation is not a positive whole number', async () => {
    const caseId = await hub.createCase();
    const socket = await connected(rawSocket(hub.url, await mintToken(sam)));
    for (const cites of [0, -1, 1.5, 'x', '3', null]) {
      // A replica of its own each time: the last one holds the refused value.
      const sender = new RawParticipant(socket, caseId);
      await sender.join();
      const ack = await sender.edit((doc) => doc.getMap('facts').set('order number', { answer: 'A-1001', by: 'sam', at, cites }));
      expect(ack, JSON.stringify(cites)).toMatchObject({
        ok: false,
        error: { code: 'invalid_document', details: { path: 'facts["order number"].cites' } },
      });
    }
    expect((await storedFacts(caseId)).has('order number')).toBe(false);
    expect(await factEvents(caseId)).toEqual([]);
  });

  it('cannot be recorded through the helpers with a citation the hub would refuse', async () => {
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    for (const cites of [0, 2.5, Number.NaN])
      expect(() => session.facts.record('order number', 'A-1001', { cites })).toThrow(expect.objectContaining({ code: 'invalid_payload' }));
    expect(session.facts.has('order number')).toBe(false);
  });
});
