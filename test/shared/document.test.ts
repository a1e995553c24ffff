import { CaseDocument, dueTime, factsKey, notesKey, stepsKey } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';

const newCase = (author = 'ann'): CaseDocument => new CaseDocument(new Y.Doc(), { author });

/** Two replicas that forward every update to each other, as the hub would. */
function connectedPair(): [CaseDocument, CaseDocument] {
  const a = newCase();
  const b = newCase();
  a.doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'peer') Y.applyUpdate(b.doc, update, 'peer');
  });
  b.doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'peer') Y.applyUpdate(a.doc, update, 'peer');
  });
  return [a, b];
}

/** Exchanges everything each replica lacks, in both directions. */
function exchange(a: CaseDocument, b: CaseDocument): void {
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
  Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)));
}

describe('the case document layout', () => {
  it('keeps notes, steps and facts under their documented keys', () => {
    const kase = newCase();
    kase.notes.insert(0, 'hello');
    kase.steps.add({ text: 'call back' });
    kase.facts.record('email', 'kim@example.com');
    expect(kase.doc.getText(notesKey).toString()).toBe('hello');
    expect(kase.doc.getArray(stepsKey).length).toBe(1);
    expect(kase.doc.getMap(factsKey).has('email')).toBe(true);
  });
});

describe('StepList', () => {
  it('adds steps in order, with defaults for what was not given', () => {
    const { steps } = newCase();
    const first = steps.add({ text: 'Refund the duplicate charge', assignee: 'bob', due: '2026-01-02' });
    const second = steps.add({ text: 'Email the customer' });
    expect(first).not.toBe(second);
    expect(steps.list()).toEqual([
      { id: first, text: 'Refund the duplicate charge', assignee: 'bob', due: '2026-01-02', done: false },
      { id: second, text: 'Email the customer', assignee: null, due: null, done: false },
    ]);
    expect(steps.get(second)?.text).toBe('Email the customer');
    expect(steps.get('no-such-step')).toBeUndefined();
  });

  it('completes a step and can reopen it', () => {
    const { steps } = newCase();
    const id = steps.add({ text: 'Refund' });
    expect(steps.complete(id)).toBe(true);
    expect(steps.get(id)?.done).toBe(true);
    expect(steps.complete(id, false)).toBe(true);
    expect(steps.get(id)?.done).toBe(false);
  });

  it('changes text, assignee and due date in one update, leaving the rest', () => {
    const kase = newCase();
    const id = kase.steps.add({ text: 'Refund', assignee: 'ann' });
    let updates = 0;
    kase.doc.on('update', () => updates++);
    expect(kase.steps.change(id, { text: 'Refund both charges', assignee: 'bob', due: '2026-02-01' })).toBe(true);
    expect(updates).toBe(1);
    expect(kase.steps.get(id)).toEqual({ id, text: 'Refund both charges', assignee: 'bob', due: '2026-02-01', done: false });
    expect(kase.steps.change(id, { assignee: null })).toBe(true);
    expect(kase.steps.get(id)?.assignee).toBeNull();
  });

  it('removes a step and leaves the others in order', () => {
    const { steps } = newCase();
    const [a, b, c] = [steps.add({ text: 'a' }), steps.add({ text: 'b' }), steps.add({ text: 'c' })];
    expect(steps.remove(b)).toBe(true);
    expect(steps.list().map((s) => s.id)).toEqual([a, c]);
    expect(steps.remove(b)).toBe(false);
  });

  it('reports false for every change to a step that does not exist, and changes nothing', () => {
    const kase = newCase();
    kase.steps.add({ text: 'only step' });
    const before = Y.encodeStateAsUpdate(kase.doc);
    expect(kase.steps.complete('missing')).toBe(false);
    expect(kase.steps.change('missing', { text: 'x' })).toBe(false);
    expect(kase.steps.remove('missing')).toBe(false);
    expect(Y.encodeStateAsUpdate(kase.doc)).toEqual(before);
  });
});

describe('FactBook', () => {
  it('records a fact with who and when, and corrects it', () => {
    const { doc, facts } = newCase();
    const at = new Date('2026-03-04T05:06:07.000Z');
    expect(facts.record('order number', 'A-1001', at)).toEqual({ answer: 'A-1001', by: 'ann', at: '2026-03-04T05:06:07.000Z' });
    expect(facts.has('order number')).toBe(true);
    new CaseDocument(doc, { author: 'bob' }).facts.record('order number', 'A-1002', at);
    expect(facts.get('order number')).toEqual({ answer: 'A-1002', by: 'bob', at: '2026-03-04T05:06:07.000Z' });
    expect(Object.keys(facts.toJSON())).toEqual(['order number']);
  });

  it('records the customer message a fact cites, and refuses a citation that is no positive whole number', () => {
    const { facts } = newCase();
    const at = new Date('2026-03-04T05:06:07.000Z');
    expect(facts.record('order number', 'A-1001', { at, cites: 7 })).toEqual({
      answer: 'A-1001',
      by: 'ann',
      at: at.toISOString(),
      cites: 7,
    });
    expect(facts.get('order number')?.cites).toBe(7);
    for (const cites of [0, -2, 1.5])
      expect(() => facts.record('phone', '+1 555 0100', { cites })).toThrow(
        expect.objectContaining({ code: 'invalid_payload', field: 'cites' }),
      );
    expect(facts.has('phone')).toBe(false);
  });

  it('stamps a fact with the current time when none is given', () => {
    const { facts } = newCase();
    const before = Date.now();
    const fact = facts.record('email', 'kim@example.com');
    expect(Date.parse(fact.at)).toBeGreaterThanOrEqual(before);
  });

  it('forgets a fact', () => {
    const { facts } = newCase();
    facts.record('email', 'kim@example.com');
    facts.record('phone', '+1 555 0100');
    facts.forget('email');
    expect(facts.has('email')).toBe(false);
    expect(facts.get('email')).toBeUndefined();
    expect(facts.toJSON()).toEqual({ phone: expect.objectContaining({ answer: '+1 555 0100' }) });
  });
});

describe('dueTime', () => {
  it('puts a date-time due at that very moment, whatever its offset', () => {
    expect(dueTime('2026-12-03T10:30:00.000Z')).toBe(Date.UTC(2026, 11, 3, 10, 30));
    expect(dueTime('2026-12-03T10:30:00+02:00')).toBe(Date.UTC(2026, 11, 3, 8, 30));
  });

  it('puts a date due at the end of that day, UTC: midnight starting the next', () => {
    expect(dueTime('2026-12-03')).toBe(Date.UTC(2026, 11, 4));
    expect(dueTime('2026-12-31')).toBe(Date.UTC(2027, 0, 1));
    expect(dueTime('2028-02-28')).toBe(Date.UTC(2028, 1, 29));
  });
});

describe('CaseDocument', () => {
  it('runs several changes as one update', () => {
    const kase = newCase();
    let updates = 0;
    kase.doc.on('update', () => updates++);
    kase.transact(() => {
      kase.notes.insert(0, 'Charged twice.');
      kase.steps.add({ text: 'Refund' });
      kase.facts.record('email', 'kim@example.com');
    });
    expect(updates).toBe(1);
    expect(kase.toJSON()).toMatchObject({
      notes: 'Charged twice.',
      steps: [{ text: 'Refund' }],
      facts: { email: { answer: 'kim@example.com' } },
    });
  });

  it('converges when two replicas edit the same case concurrently and then exchange updates', () => {
    const ann = newCase('ann');
    const bob = newCase('bob');
    ann.notes.insert(0, 'Customer charged twice. ');
    const shared = ann.steps.add({ text: 'Refund the duplicate charge' });
    exchange(ann, bob);

    // Concurrent, conflicting edits on both sides.
    ann.notes.insert(ann.notes.length, 'Ann: refund sent.');
    bob.notes.insert(0, 'Bob: card ends 4242. ');
    ann.steps.complete(shared);
    bob.steps.change(shared, { assignee: 'bob' });
    bob.steps.add({ text: 'Check the provider log' });
    ann.facts.record('email', 'kim@example.com');
    bob.facts.record('email', 'kim@work.example.com');
    bob.facts.record('phone', '+1 555 0100');
    exchange(ann, bob);

    expect(ann.notes.toString()).toBe(bob.notes.toString());
    expect(ann.notes.toString()).toContain('Ann: refund sent.');
    expect(ann.notes.toString()).toContain('Bob: card ends 4242.');
    expect(ann.steps.list()).toEqual(bob.steps.list());
    expect(ann.steps.get(shared)).toMatchObject({ done: true, assignee: 'bob' });
    expect(ann.steps.list()).toHaveLength(2);
    // Both wrote the email; exactly one answer wins, and it is the same on both replicas.
    expect(ann.facts.get('email')).toEqual(bob.facts.get('email'));
    expect(['kim@example.com', 'kim@work.example.com']).toContain(ann.facts.get('email')?.answer);
    expect(ann.facts.has('phone')).toBe(true);
  });

  it('keeps live replicas identical through a removal racing a change', () => {
    const [ann, bob] = connectedPair();
    const id = ann.steps.add({ text: 'Refund' });
    expect(bob.steps.get(id)?.text).toBe('Refund');

    const offline = newCase();
    Y.applyUpdate(offline.doc, Y.encodeStateAsUpdate(bob.doc));
    offline.steps.change(id, { text: 'Refund both charges' });
    ann.steps.remove(id);
    exchange(offline, bob);

    expect(ann.steps.list()).toEqual([]);
    expect(bob.steps.list()).toEqual([]);
    expect(offline.steps.list()).toEqual([]);
  });
});
