/**
 * An app's listeners may edit the case document the moment a session tells them something: the
 * roster that arrives on join, a refusal. Such an edit is neither forgotten nor undone by what the
 * session was doing when it told them; it goes to the hub like any other.
 */
import type { CaseSession } from '@caseroom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, sam } from '../helpers/people.js';
import { nextEvent } from '../helpers/wait.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

/** Resolves with how the session settles: every edit stored, or closed. */
function settled(session: CaseSession): Promise<'flushed' | 'closed'> {
  return new Promise((resolve) => {
    void session.flushed().then(() => resolve('flushed'));
    session.on('status', (status) => status === 'closed' && resolve('closed'));
  });
}

/** The case document as a session that opens it now receives it from the hub. */
async function atTheHub(caseId: string): Promise<CaseSession> {
  return (await openCaseAs(hub.url, caseId, sam)).session;
}

describe('a listener that edits while the session tells it something', () => {
  it('can take back an edit a roster listener made as the session joined', async () => {
    const caseId = await hub.createCase();
    const session = connectClient(hub.url, await mintToken(ann)).openCase(caseId);
    const off = session.on('roster', (_members, change) => {
      // The whole roster arrives with the join: the listener breaks the document at once.
      if (change === null) session.doc.getArray('steps').push(['a plain string']);
    });
    const refused = nextEvent('the refusal', (listener) => session.on('error', listener));
    await session.synced;
    off();

    expect(await refused).toMatchObject({ code: 'invalid_document' });
    expect(await settled(session)).toBe('flushed');
    expect(session.doc.getArray('steps').toArray()).toEqual([]);
    session.steps.add({ text: 'Call the customer back' });
    await session.flushed();
    expect((await atTheHub(caseId)).steps.list().map((step) => step.text)).toEqual(['Call the customer back']);
  });

  it('keeps an edit an error listener made on hearing of a refusal, and the hub stores it', async () => {
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    session.on('error', (error) => {
      if (error.code === 'invalid_document') session.notes.insert(session.notes.length, 'A step was refused.');
    });

    session.doc.getArray('steps').push(['a plain string']);

    expect(await settled(session)).toBe('flushed');
    expect(session.doc.getArray('steps').toArray()).toEqual([]);
    expect(session.notes.toString()).toBe('A step was refused.');
    const reader = await atTheHub(caseId);
    expect(reader.notes.toString()).toBe('A step was refused.');
    expect(
      reader.doc
        .getArray('steps')
        .toArray()
        .every((entry) => entry instanceof Y.Map),
    ).toBe(true);
  });
});
