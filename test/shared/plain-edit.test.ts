import { CaseDocument, isPlainEdit, transactionProblems, type DecodedUpdate, type DocumentProblem } from '@caseroom/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';

/** The hub's copy of a case ann wrote: notes, two steps, a fact, and an application map with a nested map. */
function hubDocument(): Y.Doc {
  const kase = new CaseDocument(new Y.Doc(), { author: 'ann' });
  kase.notes.insert(0, 'Customer charged twice.');
  kase.steps.add({ text: 'Refund the duplicate charge', assignee: 'bob', due: '2026-01-02' });
  kase.steps.add({ text: 'Email the customer' });
  kase.facts.record('order number', 'A-1001');
  const form = new Y.Map<unknown>();
  kase.doc.getMap('app').set('form', form);
  form.set('reason', 'billing');
  return kase.doc;
}

function replicaOf(doc: Y.Doc): Y.Doc {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
  return replica;
}

/** What the hub's trial replica finds when `author` sends `update`: the update would be refused unless `accepted`. */
function trialVerdict(hub: Y.Doc, update: Uint8Array, author: string): { accepted: boolean; content?: unknown } {
  const trial = replicaOf(hub);
  const problems: DocumentProblem[] = [];
  trial.on('afterTransaction', (transaction: Y.Transaction) => problems.push(...transactionProblems(transaction, author)));
  try {
    Y.applyUpdate(trial, update);
  } catch {
    return { accepted: false };
  }
  if (trial.store.pendingStructs !== null || trial.store.pendingDs !== null || problems.length > 0) return { accepted: false };
  return { accepted: true, content: contentOf(trial) };
}

/**
 * What a reader sees. Not the encoded state: Yjs tidies formatting marks after some edits by
 * deleting them itself, and which ones it finds depends on the replica's own history.
 */
function contentOf(doc: Y.Doc): unknown {
  return {
    notes: doc.getText('notes').toDelta(),
    steps: doc.getArray('steps').toJSON(),
    facts: doc.getMap('facts').toJSON(),
    app: doc.getMap('app').toJSON(),
  };
}

const plain = (hub: Y.Doc, update: Uint8Array): boolean => isPlainEdit(hub, Y.decodeUpdate(update) as DecodedUpdate);

/** What one person does on their replica; some of it the schema allows and some it does not. */
type Change = (doc: Y.Doc, pick: number, text: string) => void;
const changes: Record<string, Change> = {
  type: (doc, pick, text) => {
    const notes = doc.getText('notes');
    notes.insert(pick % (notes.length + 1), text);
  },
  cut: (doc, pick) => {
    const notes = doc.getText('notes');
    if (notes.length > 0) notes.delete(pick % notes.length, 1 + (pick % 3));
  },
  bold: (doc, pick) => {
    const notes = doc.getText('notes');
    if (notes.length > 1) notes.format(pick % (notes.length - 1), 1, { bold: true });
  },
  embed: (doc, pick) => doc.getText('notes').insertEmbed(pick % (doc.getText('notes').length + 1), { image: 'x.png' }),
  attribute: (doc) => doc.getText('notes').setAttribute('colour', 'red'),
  appValue: (doc, pick, text) => doc.getMap('app').set(`k${pick % 4}`, text),
  appNested: (doc, pick, text) => {
    const form = doc.getMap('app').get('form');
    if (form instanceof Y.Map) form.set(`f${pick % 3}`, text);
  },
  appNewMap: (doc, pick) => doc.getMap('app').set(`m${pick % 2}`, new Y.Map()),
  appDelete: (doc, pick) => doc.getMap('app').delete(`k${pick % 4}`),
  stepAdd: (doc, pick, text) => new CaseDocument(doc, { author: 'ann' }).steps.add({ text: text || `step ${pick}` }),
  stepBreak: (doc, pick) => {
    const steps = doc.getArray<Y.Map<unknown>>('steps');
    if (steps.length > 0) steps.get(pick % steps.length).set('done', 'yes');
  },
  stepRemove: (doc, pick) => {
    const steps = doc.getArray('steps');
    if (steps.length > 0) steps.delete(pick % steps.length, 1);
  },
  factOwn: (doc, pick, text) => new CaseDocument(doc, { author: 'bob' }).facts.record(`question ${pick % 3}`, text || 'yes'),
  factForged: (doc, pick, text) => new CaseDocument(doc, { author: 'ann' }).facts.record(`question ${pick % 3}`, text || 'yes'),
  factForget: (doc) => doc.getMap('facts').delete('order number'),
  foreignRoot: (doc, pick) => doc.getMap('extra').set('x', pick),
};

describe('plain edits, which the hub applies without a trial replica', () => {
  it.each([
    ['whose roots the hub has read', hubDocument],
    ['built from stored bytes, its roots untyped', () => replicaOf(hubDocument())],
  ])('are keystrokes, cuts and formatting in the notes and values in the application map, in a document %s', (_, makeHub) => {
    const hub = makeHub();
    for (const name of ['type', 'cut', 'bold', 'appValue', 'appNested', 'appNewMap', 'appDelete'] as const) {
      const client = replicaOf(hub);
      const before = Y.encodeStateVector(client);
      changes[name]!(client, 5, 'abc');
      const update = Y.encodeStateAsUpdate(client, before);
      expect({ name, plain: plain(hub, update) }).toEqual({ name, plain: true });
    }
  });

  it('are not steps, facts, embeds, attributes, other roots, repeats or edits on missing history', () => {
    const hub = hubDocument();
    for (const name of [
      'embed',
      'attribute',
      'stepAdd',
      'stepBreak',
      'stepRemove',
      'factOwn',
      'factForged',
      'factForget',
      'foreignRoot',
    ] as const) {
      const client = replicaOf(hub);
      const before = Y.encodeStateVector(client);
      changes[name]!(client, 1, 'abc');
      const update = Y.encodeStateAsUpdate(client, before);
      expect({ name, plain: plain(hub, update) }).toEqual({ name, plain: false });
    }
    const client = replicaOf(hub);
    const start = Y.encodeStateVector(client);
    client.getText('notes').insert(0, 'first ');
    const middle = Y.encodeStateVector(client);
    client.getText('notes').insert(0, 'second ');
    expect(plain(hub, Y.encodeStateAsUpdate(client, middle)), 'builds on an edit the hub has not got').toBe(false);
    const both = Y.encodeStateAsUpdate(client, start);
    Y.applyUpdate(hub, both);
    expect(plain(hub, both), 'already applied').toBe(false);
  });

  it('never include an update the trial replica would refuse, and apply to the same document', () => {
    const names = Object.keys(changes);
    const step = fc.record({
      who: fc.integer({ min: 0, max: 2 }),
      change: fc.constantFrom(...names),
      pick: fc.nat(1_000),
      text: fc.string({ maxLength: 4 }),
      // 0: send what changed since the last send; 1: only what changed now (may skip history); 2: nothing yet
      send: fc.integer({ min: 0, max: 2 }),
    });
    let plainSeen = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        // As a room loads it: from stored bytes, no root read yet.
        const hub = replicaOf(hubDocument());
        const authors = ['ann', 'bob', 'sid'];
        const clients = authors.map(() => replicaOf(hub));
        const sentUpTo = clients.map((client) => Y.encodeStateVector(client));
        for (const { who, change, pick, text, send } of steps) {
          const client = clients[who]!;
          const before = Y.encodeStateVector(client);
          changes[change]!(client, pick, text);
          if (send === 2) continue;
          const update = Y.encodeStateAsUpdate(client, send === 0 ? sentUpTo[who] : before);
          sentUpTo[who] = Y.encodeStateVector(client);
          const verdict = trialVerdict(hub, update, authors[who]!);
          if (plain(hub, update)) {
            plainSeen++;
            expect(verdict.accepted).toBe(true);
            Y.applyUpdate(hub, update);
            expect(contentOf(hub)).toEqual(verdict.content);
          } else if (verdict.accepted) {
            Y.applyUpdate(hub, update);
          }
          // The client hears what the hub holds, as it would from the room.
          Y.applyUpdate(client, Y.encodeStateAsUpdate(hub, Y.encodeStateVector(client)));
        }
      }),
      { numRuns: 300 },
    );
    expect(plainSeen).toBeGreaterThan(100);
  });
});
