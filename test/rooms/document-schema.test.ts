/**
 * The hub says what a case document is: an edit that breaks the schema, or records a fact in
 * someone else's name, is refused whole — not stored, not relayed — over Socket.IO and `/yjs`
 * alike, and the room goes on storing and relaying every honest edit. A document stored before
 * the schema still serves, reports its problems, and a supervisor can repair it.
 */
import type { CaseSession } from '@caseroom/client';
import { CaseDocument, documentProblems, encodeSyncFrame, encodeSyncStep2, encodeUpdate, type CaseEvent } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { ann, otto, qaBot, sam, sue } from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { nextEvent, waitForDoc } from '../helpers/wait.js';
import { connectProvider, openRawSocket, providerSynced, socketClosed } from '../helpers/yjs.js';

const at = '2026-03-04T05:06:07.000Z';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

/** A case with one step Ann added, Ann and Sam (a specialist) both in it. */
async function scene(): Promise<{ caseId: string; annSession: CaseSession; samSession: CaseSession }> {
  const caseId = await hub.createCase();
  const { session: annSession } = await openCaseAs(hub.url, caseId, ann);
  annSession.steps.add({ text: 'Refund the duplicate charge' });
  annSession.notes.insert(0, 'Charged twice.');
  await annSession.flushed();
  const { session: samSession } = await openCaseAs(hub.url, caseId, sam);
  return { caseId, annSession, samSession };
}

/** Remembers whether `doc` ever held an entry in its steps that is not a step, or a fact by `by`. */
function watchFor(doc: Y.Doc, by: string): { sawBrokenStep: boolean; sawFactBy: boolean } {
  const seen = { sawBrokenStep: false, sawFactBy: false };
  doc.on('update', () => {
    if (
      doc
        .getArray('steps')
        .toArray()
        .some((entry) => !(entry instanceof Y.Map))
    )
      seen.sawBrokenStep = true;
    if ([...doc.getMap<{ by?: string }>('facts').values()].some((fact) => fact.by === by)) seen.sawFactBy = true;
  });
  return seen;
}

async function storedDoc(caseId: string): Promise<CaseDocument> {
  const stored = await hub.store.documents.load(caseId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return new CaseDocument(doc);
}

async function eventsOf(caseId: string): Promise<CaseEvent[]> {
  const { body } = await api(hub.url, `/api/cases/${caseId}/events?limit=500`, { token: await mintToken(sue) });
  return body.events as CaseEvent[];
}

describe('an edit that breaks the case document, over Socket.IO', () => {
  it('is refused with invalid_document naming the path; the SDK takes it back and its later edits are stored and relayed', async () => {
    const { caseId, annSession, samSession } = await scene();
    const annSaw = watchFor(annSession.doc, 'nobody');
    const refused = nextEvent('the refusal', (listener) => samSession.on('error', listener));

    samSession.doc.getArray('steps').push(['a plain string']);

    expect(await refused).toMatchObject({ code: 'invalid_document', details: { path: 'steps[1]' } });
    await samSession.flushed();
    // Back to the hub's state: the string is gone, the step Ann made is there.
    expect(
      samSession.doc
        .getArray('steps')
        .toArray()
        .every((entry) => entry instanceof Y.Map),
    ).toBe(true);
    expect(samSession.steps.list()).toEqual(annSession.steps.list());

    // The failure the schema exists for: later edits acknowledged and lost.
    samSession.steps.add({ text: 'Check the provider log' });
    samSession.notes.insert(samSession.notes.length, ' Provider says one charge.');
    await samSession.flushed();
    await waitForDoc(annSession.doc, "Sam's step at Ann", () => annSession.steps.list().length === 2);
    const stored = await storedDoc(caseId);
    expect(documentProblems(stored.doc)).toEqual([]);
    expect(stored.steps.list().map((step) => step.text)).toEqual(['Refund the duplicate charge', 'Check the provider log']);
    expect(stored.notes.toString()).toBe('Charged twice. Provider says one charge.');
    expect(annSaw.sawBrokenStep).toBe(false);
    expect((await eventsOf(caseId)).filter((e) => e.type === 'step.added').map((e) => e.data.text)).toEqual([
      'Refund the duplicate charge',
      'Check the provider log',
    ]);
  });

  it('takes back the edits made while the refused one was in flight, and the hub keeps what it had', async () => {
    const { caseId, annSession, samSession } = await scene();
    const refused = nextEvent('the refusal', (listener) => samSession.on('error', listener));
    const step = samSession.document.steps.list()[0]!;
    (samSession.doc.getArray('steps').get(0) as Y.Map<unknown>).set('done', 'yes');
    // Made before the refusal arrives: it may build on the refused edit, and goes with it.
    samSession.steps.remove(step.id);

    expect(await refused).toMatchObject({ code: 'invalid_document', details: { path: 'steps[0].done' } });
    await samSession.flushed();
    expect(samSession.steps.list()).toEqual([{ ...step, done: false }]);
    expect(annSession.steps.list()).toEqual([{ ...step, done: false }]);
    expect((await storedDoc(caseId)).steps.list()).toEqual([{ ...step, done: false }]);
  });

  it("refuses a raw client's edit that builds on one of its own refused edits, instead of acknowledging what it cannot apply", async () => {
    const caseId = await hub.createCase();
    const mallory = new RawParticipant(await connected(rawSocket(hub.url, await mintToken(ann))), caseId);
    await mallory.join();
    expect(await mallory.edit((doc) => doc.getArray('steps').push([42]))).toMatchObject({
      ok: false,
      error: { code: 'invalid_document', details: { path: 'steps[0]' } },
    });
    // Same Yjs client, next clock: without the refused structs the hub could never apply it.
    const next = await mallory.edit((doc) => doc.getText('notes').insert(0, 'after the refused edit'));
    expect(next).toMatchObject({ ok: false, error: { code: 'missing_history' } });
    expect((await storedDoc(caseId)).notes.toString()).toBe('');
  });

  it("refuses a fact recorded in someone else's name with forged_author, and events carry the sender", async () => {
    const { caseId, annSession, samSession } = await scene();
    const annSaw = watchFor(annSession.doc, 'sue');
    const refused = nextEvent('the refusal', (listener) => samSession.on('error', listener));

    samSession.doc.getMap('facts').set('refund approved by', { answer: 'supervisor', by: 'sue', at });

    expect(await refused).toMatchObject({ code: 'forged_author', details: { path: 'facts["refund approved by"].by' } });
    await samSession.flushed();
    expect(samSession.facts.has('refund approved by')).toBe(false);
    samSession.facts.record('refund approved by', 'nobody yet');
    await samSession.flushed();
    await waitForDoc(annSession.doc, "Sam's fact at Ann", () => annSession.facts.has('refund approved by'));
    expect(annSession.facts.get('refund approved by')).toMatchObject({ answer: 'nobody yet', by: 'sam' });
    expect(annSaw.sawFactBy).toBe(false);
    const recorded = (await eventsOf(caseId)).filter((e) => e.type === 'fact.recorded');
    expect(recorded.map((e) => [e.actor?.userId, e.data.by])).toEqual([['sam', 'sam']]);
  });

  it('lets the owner overwrite a fact and take back a forgery of it, restoring the original author', async () => {
    const { caseId, annSession, samSession } = await scene();
    annSession.facts.record('order number', 'A-1001');
    await annSession.flushed();
    await waitForDoc(samSession.doc, "Ann's fact at Sam", () => samSession.facts.has('order number'));
    const original = annSession.facts.get('order number');
    const refused = nextEvent('the refusal', (listener) => samSession.on('error', listener));

    samSession.doc.getMap('facts').set('order number', { answer: 'A-9999', by: 'ann', at });

    expect(await refused).toMatchObject({ code: 'forged_author' });
    await samSession.flushed();
    expect(samSession.facts.get('order number')).toEqual(original);
    expect((await storedDoc(caseId)).facts.get('order number')).toEqual(original);
    await waitForDoc(annSession.doc, 'the undo to reach Ann', () => annSession.facts.get('order number')?.at === original?.at);
    expect(annSession.facts.get('order number')).toEqual(original);
    // Putting the value back records nothing new: one fact.recorded, Ann's.
    const recorded = (await eventsOf(caseId)).filter((e) => e.type === 'fact.recorded');
    expect(recorded.map((e) => e.actor?.userId)).toEqual(['ann']);
  });
});

describe('an edit that breaks the case document, over /yjs', () => {
  it('closes the connection with 4422; a stock provider stops reconnecting, and nobody else sees the edit', async () => {
    const { caseId, annSession } = await scene();
    const annSaw = watchFor(annSession.doc, 'nobody');
    const provider = connectProvider(hub.url, caseId, await mintToken(qaBot));
    await providerSynced(provider);
    const closed = nextEvent<{ code: number; reason: string }>('the provider to be closed for good', (listener) => {
      provider.on('closed', listener);
      return () => provider.off('closed', listener);
    });

    provider.doc.getArray('steps').push([42]);

    const { code, reason } = await closed;
    expect(code).toBe(4422);
    expect(reason).toMatch(/^invalid_document: steps\[1\]/);
    expect(provider.shouldConnect).toBe(false);
    annSession.notes.insert(annSession.notes.length, ' Still stored.');
    await annSession.flushed();
    const stored = await storedDoc(caseId);
    expect(stored.notes.toString()).toBe('Charged twice. Still stored.');
    expect(documentProblems(stored.doc)).toEqual([]);
    expect(annSaw.sawBrokenStep).toBe(false);
  });

  it("closes a connection that records a fact in someone else's name with 4403", async () => {
    const { caseId } = await scene();
    const provider = connectProvider(hub.url, caseId, await mintToken(qaBot));
    await providerSynced(provider);
    const closed = nextEvent<{ code: number; reason: string }>('the provider to be closed', (listener) => {
      provider.on('closed', listener);
      return () => provider.off('closed', listener);
    });

    provider.doc.getMap('facts').set('refund approved by', { answer: 'supervisor', by: 'sue', at });

    expect((await closed).code).toBe(4403);
    expect((await storedDoc(caseId)).facts.has('refund approved by')).toBe(false);
  });
});

describe('an edit that arrives before the one it builds on, over /yjs', () => {
  it('closes the connection and leaves the room untouched; sent in order on a new connection, both are stored', async () => {
    const { caseId, annSession } = await scene();
    const bot = new Y.Doc();
    const first = captureUpdate(bot, () => bot.getText('notes').insert(0, 'Offline edit. '));
    const second = captureUpdate(bot, () => bot.getText('notes').insert(0, 'Typed while connecting. '));
    const path = `/yjs/${caseId}?token=${await mintToken(qaBot)}`;
    const early = await openRawSocket(hub.url, path);
    const closed = socketClosed(early);
    early.send(encodeSyncFrame(encodeUpdate(second)));
    expect(await closed).toEqual({ code: 1007, reason: expect.stringMatching(/^missing_history/) });

    // Nothing of it waits in the room: Sam's edit, Ann's, all go on being stored.
    annSession.notes.insert(annSession.notes.length, ' Ann goes on.');
    await annSession.flushed();
    const again = await openRawSocket(hub.url, path);
    again.send(encodeSyncFrame(encodeSyncStep2(first)));
    again.send(encodeSyncFrame(encodeUpdate(second)));
    await waitForDoc(annSession.doc, 'both edits at Ann', () => annSession.notes.toString().includes('Typed while connecting.'));
    await hub.rooms.get(caseId)!.flushed();
    expect((await storedDoc(caseId)).notes.toString()).toBe(annSession.notes.toString());
    expect(annSession.notes.toString()).toContain('Offline edit.');
  });

  it("cannot plant a fact in the name of whoever sends next: an update built on someone else's next change is refused", async () => {
    const { caseId, annSession, samSession } = await scene();
    // Mallory builds a forged fact on top of a struct Sam's replica will make next (same client, next clock).
    const sams = new Y.Doc();
    sams.clientID = samSession.doc.clientID;
    Y.applyUpdate(sams, Y.encodeStateAsUpdate(samSession.doc));
    sams.getText('notes').insert(0, 'x'); // stands for Sam's next keystroke, which the hub has not seen
    const planted = captureUpdate(sams, () => sams.getMap('facts').set('refund approved by', { answer: 'yes', by: 'sam', at }));
    const mallory = await openRawSocket(hub.url, `/yjs/${caseId}?token=${await mintToken(qaBot)}`);
    const closed = socketClosed(mallory);
    mallory.send(encodeSyncFrame(encodeUpdate(planted)));
    expect((await closed).code).toBe(1007);

    samSession.notes.insert(0, 'Sam types. ');
    await samSession.flushed();
    await waitForDoc(annSession.doc, "Sam's edit at Ann", () => annSession.notes.toString().startsWith('Sam types.'));
    expect(annSession.facts.has('refund approved by')).toBe(false);
    expect((await storedDoc(caseId)).facts.has('refund approved by')).toBe(false);
  });
});

/** The update a change to `doc` produces. */
function captureUpdate(doc: Y.Doc, change: () => void): Uint8Array {
  let captured: Uint8Array | null = null;
  const listener = (update: Uint8Array): void => {
    captured = update;
  };
  doc.on('update', listener);
  change();
  doc.off('update', listener);
  return captured!;
}

describe('readers of a case document', () => {
  it('never throw into Yjs: a reader that fails is logged and counted, and acknowledged edits are still stored and relayed', async () => {
    const { caseId, annSession, samSession } = await scene();
    const room = hub.rooms.get(caseId)!;
    room.doc.getText('notes').observe(
      room.guard('test-reader', () => {
        throw new Error('this reader always fails');
      }),
    );

    annSession.notes.insert(annSession.notes.length, ' One.');
    await annSession.flushed();
    annSession.notes.insert(annSession.notes.length, ' Two.');
    annSession.steps.add({ text: 'Call the customer back' });
    await annSession.flushed();

    await waitForDoc(samSession.doc, 'both edits at Sam', () => samSession.notes.toString() === 'Charged twice. One. Two.');
    expect((await storedDoc(caseId)).notes.toString()).toBe('Charged twice. One. Two.');
    expect((await storedDoc(caseId)).steps.list()).toHaveLength(2);
    expect(valueOf(await scrape(hub.url), 'caseroom_document_reader_failures_total', { reader: 'test-reader' })).toBe(2);
    expect((await eventsOf(caseId)).some((e) => e.type === 'step.added' && e.data.text === 'Call the customer back')).toBe(true);
  });
});

describe('a document stored before the schema', () => {
  /** A case whose stored document has a string among its steps and a bare string as a fact, as the hub once accepted. */
  async function legacyCase(): Promise<string> {
    const caseId = await hub.createCase();
    const legacy = new CaseDocument(new Y.Doc(), { author: 'ann' });
    legacy.steps.add({ text: 'Refund the duplicate charge' });
    legacy.doc.getArray('steps').push(['pushed by a specialist']);
    legacy.facts.record('order number', 'A-1001');
    legacy.doc.getMap('facts').set('card', 'ends 4242');
    await hub.store.documents.append(caseId, Y.encodeStateAsUpdate(legacy.doc));
    return caseId;
  }

  it('loads and serves, with every edit stored and step events flowing', async () => {
    const caseId = await legacyCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    expect(session.steps.list().map((step) => step.text)).toEqual(['Refund the duplicate charge']);
    session.steps.add({ text: 'Email the customer' });
    session.steps.complete(session.steps.list()[0]!.id);
    await session.flushed();
    const types = (await eventsOf(caseId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['step.added', 'step.completed']));
    expect((await storedDoc(caseId)).steps.list().map((step) => [step.text, step.done])).toEqual([
      ['Refund the duplicate charge', true],
      ['Email the customer', false],
    ]);
  });

  it("is reported by GET /api/cases/:id, and a supervisor's repair reaches everyone as an evented edit", async () => {
    const caseId = await legacyCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    const report = await api(hub.url, `/api/cases/${caseId}`, { token: await mintToken(ann) });
    expect(report.status).toBe(200);
    expect(report.body.document).toEqual({
      valid: false,
      problems: [
        { path: 'steps[1]', message: expect.any(String) },
        { path: 'facts["card"]', message: expect.any(String) },
      ],
    });

    const byAgent = await api(hub.url, `/api/cases/${caseId}/repair`, { method: 'POST', token: await mintToken(ann) });
    expect(byAgent).toMatchObject({ status: 403, body: { ok: false, error: { code: 'supervisor_only' } } });
    expect((await api(hub.url, `/api/cases/${caseId}/repair`, { method: 'POST', token: await mintToken(otto) })).status).toBe(403);
    expect((await api(hub.url, '/api/cases/no-such-case/repair', { method: 'POST', token: await mintToken(sue) })).status).toBe(404);
    expect(documentProblems((await storedDoc(caseId)).doc)).toHaveLength(2);

    const repaired = await api(hub.url, `/api/cases/${caseId}/repair`, { method: 'POST', token: await mintToken(sue) });
    expect(repaired.status).toBe(200);
    expect(repaired.body.removed.map((problem: { path: string }) => problem.path)).toEqual(['steps[1]', 'facts["card"]']);
    expect(repaired.body.document).toEqual({ valid: true, problems: [] });

    await waitForDoc(session.doc, 'the repair at Ann', () => !session.doc.getMap('facts').has('card'));
    expect(session.doc.getArray('steps').toArray()).toHaveLength(1);
    expect(session.facts.has('order number')).toBe(true);
    expect(documentProblems((await storedDoc(caseId)).doc)).toEqual([]);
    const event = (await eventsOf(caseId)).find((e) => e.type === 'document.repaired');
    expect(event).toMatchObject({ actor: { userId: 'sue' }, data: { removed: [{ path: 'steps[1]' }, { path: 'facts["card"]' }] } });
    const again = await api(hub.url, `/api/cases/${caseId}/repair`, { method: 'POST', token: await mintToken(sue) });
    expect(again.body).toMatchObject({ ok: true, removed: [], document: { valid: true } });
  });
});
