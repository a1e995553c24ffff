import { CaseDocument, CaseroomError, documentProblems, repairDocument, transactionProblems, type DocumentProblem } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';

const at = '2026-03-04T05:06:07.000Z';

/** A valid case written by ann: notes, two steps, one fact. */
function validCase(): CaseDocument {
  const kase = new CaseDocument(new Y.Doc(), { author: 'ann' });
  kase.notes.insert(0, 'Customer charged twice.');
  kase.steps.add({ text: 'Refund the duplicate charge', assignee: 'bob', due: '2026-01-02' });
  kase.steps.add({ text: 'Email the customer', due: '2026-01-02T10:00:00Z' });
  kase.facts.record('order number', 'A-1001');
  return kase;
}

/** A second replica of `doc`, as the hub's trial replica would be. */
function replicaOf(doc: Y.Doc): Y.Doc {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
  return replica;
}

/** Makes `change` on a client replica of `hub` and applies it to `hub` the way the hub does; returns what the check found. */
function sendAs(author: string, hub: Y.Doc, change: (client: Y.Doc) => void): DocumentProblem[] {
  const client = replicaOf(hub);
  const before = Y.encodeStateVector(client);
  change(client);
  const problems: DocumentProblem[] = [];
  const check = (transaction: Y.Transaction): void => {
    problems.push(...transactionProblems(transaction, author));
  };
  hub.on('afterTransaction', check);
  Y.applyUpdate(hub, Y.encodeStateAsUpdate(client, before));
  hub.off('afterTransaction', check);
  return problems;
}

const paths = (problems: DocumentProblem[]): string[] => problems.map((problem) => problem.path);

describe('the case document schema, whole documents', () => {
  it('finds nothing wrong with a document written through the helpers', () => {
    expect(documentProblems(validCase().doc)).toEqual([]);
  });

  it('names the path of every kind of problem', () => {
    const doc = validCase().doc;
    doc.getArray('steps').push(['a plain string']);
    const incomplete = new Y.Map<unknown>();
    incomplete.set('id', 'step-x');
    incomplete.set('text', 'x');
    incomplete.set('done', 'yes');
    incomplete.set('colour', 'red');
    doc.getArray('steps').push([incomplete]);
    doc.getMap('facts').set('email', { answer: 'kim@example.com', at });
    doc.getMap('facts').set('q'.repeat(201), { answer: 'a', by: 'ann', at });
    doc.getText('notes').insertEmbed(0, { image: 'x.png' });
    doc.getMap('extra').set('anything', 1);

    const found = paths(documentProblems(doc));
    expect(found).toEqual(
      expect.arrayContaining([
        'steps[2]',
        'steps[3].colour',
        'steps[3].assignee',
        'steps[3].due',
        'steps[3].done',
        'facts["email"].by',
        `facts[${JSON.stringify('q'.repeat(201))}]`,
        'notes',
        'extra',
      ]),
    );
    expect(found).toHaveLength(9);
  });

  it('blames the later of two steps with the same id', () => {
    const kase = validCase();
    const [first] = kase.steps.list();
    const copy = new Y.Map<unknown>();
    for (const [key, value] of Object.entries({ ...first!, text: 'copy' })) copy.set(key, value);
    kase.doc.getArray('steps').push([copy]);
    expect(documentProblems(kase.doc)).toEqual([{ path: 'steps[2].id', message: 'Another step of the case has this id' }]);
  });

  it('repairs a document by removing exactly the entries that break it, in one update', () => {
    const kase = validCase();
    kase.doc.getArray('steps').insert(1, [42]);
    kase.doc.getMap('facts').set('card', 'ends 4242');
    kase.doc.getMap('extra').set('anything', 1);
    const valid = validCase().toJSON();
    let updates = 0;
    kase.doc.on('update', () => updates++);

    expect(paths(repairDocument(kase.doc))).toEqual(['extra', 'steps[1]', 'facts["card"]']);
    expect(updates).toBe(1);
    expect(documentProblems(kase.doc)).toEqual([]);
    expect(kase.toJSON().steps.map((step) => step.text)).toEqual(valid.steps.map((step) => step.text));
    expect(Object.keys(kase.toJSON().facts)).toEqual(['order number']);
    expect(kase.notes.toString()).toBe('Customer charged twice.');
  });
});

describe('the case document schema, at the door', () => {
  it('refuses a value pushed into the steps, and a step map missing its fields', () => {
    const hub = validCase().doc;
    expect(paths(sendAs('bob', hub, (doc) => doc.getArray('steps').push(['oops'])))).toEqual(['steps[2]']);
    const hub2 = validCase().doc;
    expect(paths(sendAs('bob', hub2, (doc) => doc.getArray('steps').push([new Y.Map()])))).toEqual([
      'steps[2].id',
      'steps[2].text',
      'steps[2].assignee',
      'steps[2].due',
      'steps[2].done',
    ]);
  });

  it('refuses a step field set to the wrong type, and a field removed', () => {
    const hub = validCase().doc;
    expect(paths(sendAs('bob', hub, (doc) => (doc.getArray('steps').get(0) as Y.Map<unknown>).set('done', 'yes')))).toEqual([
      'steps[0].done',
    ]);
    const hub2 = validCase().doc;
    expect(paths(sendAs('bob', hub2, (doc) => (doc.getArray('steps').get(1) as Y.Map<unknown>).delete('text')))).toEqual(['steps[1].text']);
  });

  it('refuses a new top-level type, a list entry in the facts and an embed in the notes', () => {
    expect(paths(sendAs('bob', validCase().doc, (doc) => doc.getMap('evil').set('x', 1)))).toEqual(['evil']);
    expect(paths(sendAs('bob', validCase().doc, (doc) => doc.getArray('facts').push([1])))).toEqual(['facts']);
    expect(paths(sendAs('bob', validCase().doc, (doc) => doc.getText('notes').insertEmbed(3, { x: 1 })))).toEqual(['notes']);
    expect(paths(sendAs('bob', validCase().doc, (doc) => doc.getText('notes').setAttribute('colour', 'red')))).toEqual(['notes.colour']);
  });

  it('lets the application keep anything in its own map, and nothing in a list under that name', () => {
    const anything = sendAs('bob', validCase().doc, (doc) => {
      const app = new CaseDocument(doc).app;
      app.set('crm id', 'C-77');
      const nested = new Y.Array<unknown>();
      app.set('tags', nested);
      nested.push([{ any: 'shape' }, 42]);
    });
    expect(anything).toEqual([]);
    expect(paths(sendAs('bob', validCase().doc, (doc) => doc.getArray('app').push([1])))).toEqual(['app']);
  });

  it("flags a fact recorded in someone else's name as forged, and accepts one in your own", () => {
    const forged = sendAs('bob', validCase().doc, (doc) =>
      doc.getMap('facts').set('refund approved by', { answer: 'supervisor', by: 'sue', at }),
    );
    expect(forged).toEqual([
      { path: 'facts["refund approved by"].by', message: 'A fact can only be recorded in your own name', forged: true },
    ]);
    expect(
      sendAs('bob', validCase().doc, (doc) => new CaseDocument(doc, { author: 'bob' }).facts.record('email', 'kim@example.com')),
    ).toEqual([]);
  });

  it('accepts putting back the value a question held before, whoever recorded it (an undo)', () => {
    const hub = validCase().doc;
    const previous = hub.getMap('facts').get('order number');
    const problems = sendAs('bob', hub, (doc) => {
      const facts = doc.getMap('facts');
      facts.set('order number', { answer: 'forged', by: 'sue', at });
      facts.set('order number', previous);
    });
    expect(problems).toEqual([]);
    // Putting back anything else in ann's name is still a forgery.
    expect(sendAs('bob', hub, (doc) => doc.getMap('facts').set('order number', { answer: 'A-9', by: 'ann', at }))).toHaveLength(1);
  });

  it('looks only at what an update touched: honest edits to a document that is already broken pass', () => {
    const hub = validCase().doc;
    hub.getArray('steps').push(['stored before the schema']);
    hub.getMap('facts').set('card', 'ends 4242');
    expect(sendAs('bob', hub, (doc) => doc.getText('notes').insert(0, 'More. '))).toEqual([]);
    expect(sendAs('bob', hub, (doc) => new CaseDocument(doc).steps.add({ text: 'Call back' }))).toEqual([]);
    expect(sendAs('bob', hub, (doc) => new CaseDocument(doc, { author: 'bob' }).facts.record('phone', '+1 555 0100'))).toEqual([]);
  });

  it('checks only the fields an edit touched of a step stored broken, so it can still be completed', () => {
    const hub = validCase().doc;
    const broken = new Y.Map<unknown>();
    broken.set('id', 'legacy-1');
    broken.set('done', false);
    hub.getArray('steps').push([broken]);
    expect(sendAs('bob', hub, (doc) => new CaseDocument(doc).steps.complete('legacy-1'))).toEqual([]);
    expect(paths(sendAs('bob', hub, (doc) => (doc.getArray('steps').get(2) as Y.Map<unknown>).set('due', 'soon')))).toEqual([
      'steps[2].due',
    ]);
  });

  it('names at most 20 problems of an update that adds thousands, and counts step ids once', () => {
    const problems = sendAs('bob', validCase().doc, (doc) => {
      const steps = doc.getArray('steps');
      for (let i = 0; i < 5_000; i++) steps.push([new Y.Map()]);
    });
    expect(problems).toHaveLength(20);
    expect(problems[0]!.path).toBe('steps[2].id');
  });

  it('refuses a step that takes an id another step has', () => {
    const hub = validCase().doc;
    const [first] = new CaseDocument(hub).steps.list();
    expect(paths(sendAs('bob', hub, (doc) => (doc.getArray('steps').get(1) as Y.Map<unknown>).set('id', first!.id)))).toEqual([
      'steps[1].id',
    ]);
  });
});

describe('the document helpers write only what the schema allows', () => {
  const refusal = (write: () => unknown): CaseroomError => {
    try {
      write();
    } catch (err) {
      if (err instanceof CaseroomError) return err;
      throw err;
    }
    throw new Error('expected the helper to refuse');
  };

  it('refuses step text over 2,000 characters, a due that is no date, and a field a step does not have', () => {
    const kase = validCase();
    expect(refusal(() => kase.steps.add({ text: 'x'.repeat(2_001) }))).toMatchObject({ code: 'invalid_payload', field: 'text' });
    expect(refusal(() => kase.steps.add({ text: 'Call', due: 'tomorrow' }))).toMatchObject({ code: 'invalid_payload', field: 'due' });
    const [step] = kase.steps.list();
    expect(refusal(() => kase.steps.change(step!.id, { done: 'yes' as never }))).toMatchObject({ field: 'done' });
    expect(refusal(() => kase.steps.change(step!.id, { colour: 'red' } as never))).toMatchObject({ field: 'colour' });
    expect(documentProblems(kase.doc)).toEqual([]);
  });

  it('refuses an empty or over-long question, an over-long answer, and a fact with no author', () => {
    const kase = validCase();
    expect(refusal(() => kase.facts.record('', 'x'))).toMatchObject({ field: 'question' });
    expect(refusal(() => kase.facts.record('q'.repeat(201), 'x'))).toMatchObject({ field: 'question' });
    expect(refusal(() => kase.facts.record('email', 'x'.repeat(2_001)))).toMatchObject({ field: 'answer' });
    expect(refusal(() => new CaseDocument(kase.doc).facts.record('email', 'x'))).toMatchObject({ field: 'by' });
    expect(Object.keys(kase.facts.toJSON())).toEqual(['order number']);
  });

  it('lists only real steps of a document stored before the schema', () => {
    const kase = validCase();
    kase.doc.getArray('steps').push(['not a step', 42]);
    expect(kase.steps.list().map((step) => step.text)).toEqual(['Refund the duplicate charge', 'Email the customer']);
  });
});
