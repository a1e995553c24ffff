/**
 * The store contract for step deadlines, on SQLite and on Redis alike: one deadline per step, set,
 * moved and cleared; found when due, soonest first; and fired by compare-and-set with the
 * `step.overdue` event in the same write, so that of two connections firing it, one does.
 */
import { describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { testStore } from '../helpers/hub.js';
import { caseRecord, madeAt } from '../helpers/records.js';
import { freshStore, secondConnection } from '../helpers/store.js';

const t0 = Date.parse(madeAt);
const minutes = (n: number): number => t0 + n * 60_000;
const overdue = (caseId: string, stepId: string) =>
  caseEvent(caseRecord(caseId), 'step.overdue', null, { stepId, text: 'Call back', assignee: 'ann', due: madeAt });

describe(`the ${testStore} store keeps the contract for step deadlines`, () => {
  it('keeps one deadline per step: setting again moves it, clearing forgets it', async () => {
    const store = await freshStore();
    expect(await store.deadlines.next()).toBeNull();
    await store.deadlines.set('c1', 'call', minutes(10));
    await store.deadlines.set('c1', 'mail', minutes(20));
    await store.deadlines.set('c2', 'call', minutes(5));
    expect(await store.deadlines.next()).toBe(minutes(5));
    await store.deadlines.set('c2', 'call', minutes(30));
    expect(await store.deadlines.next()).toBe(minutes(10));
    expect(await store.deadlines.due(minutes(60), 10)).toEqual([
      { caseId: 'c1', stepId: 'call', dueAt: minutes(10) },
      { caseId: 'c1', stepId: 'mail', dueAt: minutes(20) },
      { caseId: 'c2', stepId: 'call', dueAt: minutes(30) },
    ]);
    await store.deadlines.clear('c1', 'call');
    await store.deadlines.clear('c1', 'never-set');
    expect(await store.deadlines.due(minutes(60), 10)).toEqual([
      { caseId: 'c1', stepId: 'mail', dueAt: minutes(20) },
      { caseId: 'c2', stepId: 'call', dueAt: minutes(30) },
    ]);
  });

  it('finds the deadlines at or before a moment, soonest first, as many as asked', async () => {
    const store = await freshStore();
    await store.deadlines.set('c1', 'late', minutes(30));
    await store.deadlines.set('c1', 'soon', minutes(10));
    await store.deadlines.set('c2', 'soonest', minutes(5));
    expect((await store.deadlines.due(minutes(10), 10)).map((d) => d.stepId)).toEqual(['soonest', 'soon']);
    expect((await store.deadlines.due(minutes(60), 1)).map((d) => d.stepId)).toEqual(['soonest']);
    expect(await store.deadlines.due(minutes(4), 10)).toEqual([]);
  });

  it('keeps steps of different cases, and ids that look like separators, apart', async () => {
    const store = await freshStore();
    await store.deadlines.set('a', 'b:c', minutes(1));
    await store.deadlines.set('a:b', 'c', minutes(2));
    await store.deadlines.set('a', '["b","c"]', minutes(3));
    expect(await store.deadlines.due(minutes(5), 10)).toEqual([
      { caseId: 'a', stepId: 'b:c', dueAt: minutes(1) },
      { caseId: 'a:b', stepId: 'c', dueAt: minutes(2) },
      { caseId: 'a', stepId: '["b","c"]', dueAt: minutes(3) },
    ]);
  });

  it('fires a deadline only while it is still the same one, storing its event in the same write', async () => {
    const store = await freshStore();
    let heard = 0;
    store.events.onAppended(() => heard++);
    await store.deadlines.set('c1', 'call', minutes(10));
    // Moved since it was read: the old time no longer fires, and nothing is recorded.
    await store.deadlines.set('c1', 'call', minutes(15));
    expect(await store.deadlines.fire('c1', 'call', minutes(10), [overdue('c1', 'call')])).toBe(false);
    expect(await store.events.read({ limit: 10 })).toEqual([]);
    expect(heard).toBe(0);

    expect(await store.deadlines.fire('c1', 'call', minutes(15), [overdue('c1', 'call')])).toBe(true);
    expect(await store.deadlines.next()).toBeNull();
    expect((await store.events.forCase('c1', 0, 10)).map((e) => [e.seq, e.type, e.actor, e.data.stepId])).toEqual([
      [1, 'step.overdue', null, 'call'],
    ]);
    expect(heard).toBe(1);

    // Fired already, cleared, or never set: nothing to fire.
    expect(await store.deadlines.fire('c1', 'call', minutes(15), [overdue('c1', 'call')])).toBe(false);
    expect(await store.deadlines.fire('c1', 'never-set', minutes(15), [overdue('c1', 'never-set')])).toBe(false);
    expect(await store.events.forCase('c1', 0, 10)).toHaveLength(1);
  });

  it('drops a deadline without an event when fired with none', async () => {
    const store = await freshStore();
    await store.deadlines.set('c1', 'call', minutes(10));
    expect(await store.deadlines.fire('c1', 'call', minutes(10), [])).toBe(true);
    expect(await store.deadlines.next()).toBeNull();
    expect(await store.events.read({ limit: 10 })).toEqual([]);
  });

  it('lets exactly one of two connections fire the same deadline, with one event', async () => {
    const one = await freshStore();
    const two = await secondConnection(one);
    for (let i = 0; i < 20; i++) await one.deadlines.set('c1', `step-${i}`, minutes(i));
    const fired = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        Promise.all([
          one.deadlines.fire('c1', `step-${i}`, minutes(i), [overdue('c1', `step-${i}`)]),
          two.deadlines.fire('c1', `step-${i}`, minutes(i), [overdue('c1', `step-${i}`)]),
        ]),
      ),
    );
    for (const pair of fired) expect(pair.filter(Boolean)).toHaveLength(1);
    const events = await one.events.forCase('c1', 0, 100);
    expect(events.map((e) => e.data.stepId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `step-${i}`).sort());
    expect(await two.deadlines.next()).toBeNull();
  });
});
