/**
 * Steps that fall due: when a step's `due` passes and it is not done, the hub records
 * `step.overdue` on its own clock, whether or not anyone is connected, exactly once (also with two
 * hubs on one store), and tells the case's team, its assignee among them, with `step:overdue`.
 */
import type { CaseClient, CaseSession, OverdueStep } from '@caseroom/client';
import type { CaseEvent } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, openCaseAs } from '../helpers/clients.js';
import { startTestHub, tempDataDir, testStore, type TestHub } from '../helpers/hub.js';
import { capturedLogs, type CapturedLogs } from '../helpers/logs.js';
import { amy, ann, otto, sam } from '../helpers/people.js';
import { nextEvent, pollUntil, waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

/** A due `ms` from now, as a step's `due` holds it, and the moment it falls due. */
function dueIn(ms: number): { due: string; at: number } {
  const at = Date.now() + ms;
  return { due: new Date(at).toISOString(), at };
}

/** Resolves with the announcement of step `stepId` falling due on `server`. */
function overdueAnnounced(server: TestHub, stepId: () => string): Promise<OverdueStep> {
  return nextEvent<OverdueStep>(
    'the step to fall due',
    (listener) => server.changes.on('stepOverdue', ({ step }) => listener(step)),
    (step) => step.stepId === stepId(),
  );
}

async function overdueEvents(caseId: string, server = hub): Promise<CaseEvent[]> {
  return (await server.store.events.forCase(caseId, 0, 1000)).filter((e) => e.type === 'step.overdue');
}

async function openAsAnn(caseId: string, url = hub.url): Promise<{ client: CaseClient; session: CaseSession }> {
  return openCaseAs(url, caseId, ann);
}

describe('a step that falls due', () => {
  it('is recorded once as step.overdue on the hub’s clock while nobody is connected', async () => {
    const caseId = await hub.createCase();
    const { client, session } = await openAsAnn(caseId);
    const { due, at } = dueIn(1500);
    let stepId = '';
    const announced = overdueAnnounced(hub, () => stepId);
    stepId = session.steps.add({ text: 'Call the customer back', assignee: 'sam', due });
    await session.flushed();
    await client.close();

    expect(await announced).toMatchObject({ caseId, team: 'billing', stepId, text: 'Call the customer back', assignee: 'sam', due });
    const events = await overdueEvents(caseId);
    expect(events.map((e) => [e.actor, e.data])).toEqual([[null, { stepId, text: 'Call the customer back', assignee: 'sam', due }]]);
    expect(Date.parse(events[0]!.at)).toBeGreaterThanOrEqual(at);
    // Fired, the deadline is gone: nothing is left to record it a second time.
    expect((await hub.store.deadlines.due(Date.now() + 3_600_000, 1000)).filter((d) => d.caseId === caseId)).toEqual([]);
  });

  it('is not recorded for a step done or removed before its due, nor one without a due', async () => {
    const caseId = await hub.createCase();
    const { session } = await openAsAnn(caseId);
    const early = dueIn(1500);
    const done = session.steps.add({ text: 'Refund the fee', assignee: 'sam', due: early.due });
    const removed = session.steps.add({ text: 'Ask for the receipt', assignee: 'sam', due: early.due });
    const undated = session.steps.add({ text: 'Note the outcome', assignee: 'sam', due: dueIn(1000).due });
    let control = '';
    const announced = overdueAnnounced(hub, () => control);
    // Later than the others: once it is recorded, theirs would have been too.
    control = session.steps.add({ text: 'Close the case', assignee: 'sam', due: dueIn(2500).due });
    await session.flushed();
    session.steps.complete(done);
    session.steps.remove(removed);
    session.steps.change(undated, { due: null });
    await session.flushed();
    // The hub keeps deadlines only for steps that can still fall due.
    const kept = await hub.store.deadlines.due(Date.now() + 3_600_000, 1000);
    expect(kept.filter((d) => d.caseId === caseId).map((d) => d.stepId)).toEqual([control]);

    await announced;
    expect((await overdueEvents(caseId)).map((e) => e.data.stepId)).toEqual([control]);
    const events = await hub.store.events.forCase(caseId, 0, 1000);
    expect(events.filter((e) => e.type === 'step.completed').map((e) => e.data.stepId)).toEqual([done]);
    expect(events.filter((e) => e.type === 'step.removed').map((e) => e.data.stepId)).toEqual([removed]);
  });

  it('follows the document over a deadline it still holds for a step done (as on another node, its write under way)', async () => {
    const caseId = await hub.createCase();
    const { session } = await openAsAnn(caseId);
    const done = session.steps.add({ text: 'Refund the fee', assignee: 'sam' });
    session.steps.complete(done);
    let control = '';
    const announced = overdueAnnounced(hub, () => control);
    control = session.steps.add({ text: 'Close the case', assignee: 'sam', due: dueIn(1500).due });
    await session.flushed();
    await hub.store.deadlines.set(caseId, done, Date.now() + 500);
    await hub.store.deadlines.set(caseId, 'never-a-step', Date.now() + 500);

    await announced;
    expect((await overdueEvents(caseId)).map((e) => e.data.stepId)).toEqual([control]);
    expect((await hub.store.deadlines.due(Date.now() + 3_600_000, 1000)).filter((d) => d.caseId === caseId)).toEqual([]);
  });

  it('moves with its step when the step is re-dated', async () => {
    const caseId = await hub.createCase();
    const { session } = await openAsAnn(caseId);
    let stepId = '';
    const announced = overdueAnnounced(hub, () => stepId);
    stepId = session.steps.add({ text: 'Send the label', assignee: 'sam', due: dueIn(1000).due });
    await session.flushed();
    const later = dueIn(2000);
    session.steps.change(stepId, { due: later.due });
    await session.flushed();

    expect((await announced).due).toBe(later.due);
    const events = await overdueEvents(caseId);
    expect(events.map((e) => e.data.due)).toEqual([later.due]);
    expect(Date.parse(events[0]!.at)).toBeGreaterThanOrEqual(later.at);
  });

  it('falls due at the end of its day, UTC, when its due is a date', async () => {
    const caseId = await hub.createCase();
    const { session } = await openAsAnn(caseId);
    const stepId = session.steps.add({ text: 'Check the refund arrived', due: '2099-12-03' });
    await session.flushed();
    const kept = await hub.store.deadlines.due(Date.parse('2100-01-01T00:00:00Z'), 1000);
    expect(kept.filter((d) => d.caseId === caseId)).toEqual([{ caseId, stepId, dueAt: Date.parse('2099-12-04T00:00:00Z') }]);
  });

  it('is overdue at once when it is undone after its due passed', async () => {
    const caseId = await hub.createCase();
    const { session } = await openAsAnn(caseId);
    const { due } = dueIn(1000);
    const stepId = session.steps.add({ text: 'Escalate to the bank', assignee: 'sam', due });
    session.steps.complete(stepId);
    let control = '';
    const passed = overdueAnnounced(hub, () => control);
    control = session.steps.add({ text: 'Tell the customer', assignee: 'sam', due: dueIn(1500).due });
    await session.flushed();
    await passed;
    // Its due has passed, and done, it was not overdue.
    expect((await overdueEvents(caseId)).map((e) => e.data.stepId)).toEqual([control]);

    const announced = overdueAnnounced(hub, () => stepId);
    session.steps.complete(stepId, false);
    await session.flushed();
    expect(await announced).toMatchObject({ stepId, due });
    expect((await overdueEvents(caseId)).map((e) => e.data.stepId)).toEqual([control, stepId]);
  });
});

describe('the team feed', () => {
  it('tells the assignee, and their team, wherever they are; not another team', async () => {
    const caseId = await hub.createCase();
    const assignee = await connectAs(hub.url, sam);
    const teammate = await connectAs(hub.url, amy);
    const outsider = await connectAs(hub.url, otto);
    const heardByOutsider: OverdueStep[] = [];
    outsider.on('stepOverdue', (step) => heardByOutsider.push(step));
    let stepId = '';
    const heard = (client: CaseClient) =>
      nextEvent<OverdueStep>(
        'step:overdue',
        (listener) => client.on('stepOverdue', listener),
        (step) => step.stepId === stepId,
      );
    const [bySam, byAmy] = [heard(assignee), heard(teammate)];

    const { client, session } = await openAsAnn(caseId);
    const { due } = dueIn(1500);
    stepId = session.steps.add({ text: 'Reship the parcel', assignee: 'sam', due });
    await session.flushed();
    await client.close();

    expect(await bySam).toMatchObject({ caseId, team: 'billing', stepId, text: 'Reship the parcel', assignee: 'sam', due });
    expect((await byAmy).assignee).toBe('sam');
    // A round trip on the outsider's socket: anything sent to it before has arrived by now.
    await outsider.pendingApprovals();
    expect(heardByOutsider).toEqual([]);
  });
});

describe('two hubs on one store', () => {
  /** Whether a hub looked for what is due at a moment no earlier than `at`. */
  const sweptSince = (logs: CapturedLogs, at: number): boolean =>
    logs.since().some((line) => line.msg === 'swept the step deadlines that are due' && (line.now as number) >= at);

  it.runIf(testStore === 'redis')('record a step falling due exactly once, and its assignee hears it on the other hub', async () => {
    const dataDir = tempDataDir();
    const [logsOne, logsTwo] = [capturedLogs(), capturedLogs()];
    const one = await startTestHub({}, dataDir, { log: logsOne.log });
    let two: TestHub | undefined;
    try {
      const caseId = await one.createCase();
      const { session } = await openAsAnn(caseId, one.url);
      const { due, at } = dueIn(3000);
      const stepId = session.steps.add({ text: 'Call the courier', assignee: 'sam', due });
      await session.flushed();
      // Started with the deadline stored: both hubs wake when it passes.
      two = await startTestHub({}, dataDir, { log: logsTwo.log });
      const assignee = await connectAs(two.url, sam);
      const heard: OverdueStep[] = [];
      assignee.on('stepOverdue', (step) => heard.push(step));

      await waitFor(
        'the assignee on the second hub to hear it',
        (check) => assignee.on('stepOverdue', check),
        () => heard.length > 0 || undefined,
      );
      // What a hub logged is only seen by asking.
      await pollUntil('both hubs to look once the step fell due', async () => sweptSince(logsOne, at) && sweptSince(logsTwo, at), 50);
      expect((await overdueEvents(caseId, one)).map((e) => e.data.stepId)).toEqual([stepId]);
      expect(heard.map((step) => step.stepId)).toEqual([stepId]);
      const recordedBy = [logsOne, logsTwo].filter((logs) => logs.since().some((line) => line.msg === 'step overdue'));
      expect(recordedBy).toHaveLength(1);
    } finally {
      await two?.close();
      await one.stop();
    }
  });
});
