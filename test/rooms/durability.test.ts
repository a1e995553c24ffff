import type { CaseClient, CaseSession } from '@caseroom/client';
import type { Identity } from '@caseroom/shared';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectAs, openCaseAs } from '../helpers/clients.js';
import { createCaseOver, killedAfterEach, spawnHub, startTestHub, tempDataDir, type HubProcess, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { storedDocument, storedRows } from '../helpers/store.js';
import { nextEvent } from '../helpers/wait.js';

const openSession = async (url: string, caseId: string, who: Identity = people.ann): Promise<CaseSession> =>
  (await openCaseAs(url, caseId, who)).session;

/** Notes, steps and facts as plain data, facts in a stable order so replicas compare equal. */
function contentOf(doc: Y.Doc | CaseSession): unknown {
  const ydoc = doc instanceof Y.Doc ? doc : doc.doc;
  const facts = ydoc.getMap('facts').toJSON() as Record<string, unknown>;
  return {
    notes: ydoc.getText('notes').toString(),
    steps: ydoc.getArray('steps').toJSON(),
    facts: Object.entries(facts).sort(([a], [b]) => a.localeCompare(b)),
  };
}

/** Makes `count` edits, each its own update (its own message, its own row in the log): each is stored before the next is made, since edits made together travel merged. */
async function editOneByOne(session: CaseSession, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i % 10 === 3) session.steps.add({ text: `step ${i}` });
    else if (i % 10 === 7) session.facts.record(`question ${i}`, `answer ${i}`);
    else session.notes.insert(session.notes.length, `[${i}]`);
    await session.flushed();
  }
}

describe('acknowledged edits survive a crash of the hub process', () => {
  const { processes, dataDirs } = killedAfterEach();

  async function spawn(dataDir: string, env: Record<string, string> = {}): Promise<HubProcess> {
    const hub = await spawnHub(dataDir, env);
    processes.push(hub);
    return hub;
  }

  /** A hub process on a data dir of its own, and Ann's client synced on a new case of it. */
  async function hubWithWriter(): Promise<{ dataDir: string; hub: HubProcess; client: CaseClient; ann: CaseSession }> {
    const dataDir = tempDataDir();
    dataDirs.push(dataDir);
    const hub = await spawn(dataDir);
    const { client, session: ann } = await openCaseAs(hub.url, await createCaseOver(hub.url), people.ann);
    return { dataDir, hub, client, ann };
  }

  /** SIGKILLs the hub the moment `writer`'s edits are acknowledged, restarts it, and reads the case back. */
  async function crashAndReadBack(
    dataDir: string,
    hub: HubProcess,
    writer: CaseSession,
    writerClient: { disconnect(): void },
  ): Promise<CaseSession> {
    await writer.flushed();
    const killed = hub.kill('SIGKILL');
    // The writer must not resend anything to the restarted hub: only the store may bring the edits back.
    writerClient.disconnect();
    await killed;
    expect(hub.child.signalCode).toBe('SIGKILL');
    const restarted = await spawn(dataDir);
    return openSession(restarted.url, writer.caseId, people.sam);
  }

  it('serves every acknowledged edit of notes, steps and facts after SIGKILL', async () => {
    const { dataDir, hub, client, ann } = await hubWithWriter();

    ann.notes.insert(0, 'Customer was charged twice for order A-1001.');
    const refund = ann.steps.add({ text: 'Refund the duplicate charge', assignee: 'bob', due: '2026-12-01' });
    ann.steps.add({ text: 'Email the customer' });
    ann.steps.complete(refund);
    ann.facts.record('order number', 'A-1001');
    ann.facts.record('card', 'ends 4242');
    ann.notes.delete(0, 'Customer '.length);

    const reader = await crashAndReadBack(dataDir, hub, ann, client);
    expect(contentOf(reader)).toEqual(contentOf(ann));
    expect(reader.document.toJSON()).toMatchObject({
      notes: 'was charged twice for order A-1001.',
      steps: [
        { id: refund, text: 'Refund the duplicate charge', assignee: 'bob', due: '2026-12-01', done: true },
        { text: 'Email the customer', done: false },
      ],
      facts: { 'order number': { answer: 'A-1001', by: 'ann' }, card: { answer: 'ends 4242', by: 'ann' } },
    });
    await reader.close();
  });

  it('serves all of a burst of 200 small acknowledged edits after SIGKILL', async () => {
    const { dataDir, hub, client, ann } = await hubWithWriter();

    await editOneByOne(ann, 200);
    const reader = await crashAndReadBack(dataDir, hub, ann, client);
    expect(reader.steps.list()).toHaveLength(20);
    expect(Object.keys(reader.facts.toJSON())).toHaveLength(20);
    expect(reader.notes.toString()).toContain('[0][1][2][4][5][6][8][9][10]');
    expect(reader.notes.toString()).toMatch(/\[199\]$/);
    expect(contentOf(reader)).toEqual(contentOf(ann));
    await reader.close();
  });

  it('receives the edits a client made while the hub was down once it is back on the same address', async () => {
    const { dataDir, hub, ann } = await hubWithWriter();
    const { caseId } = ann;
    ann.notes.insert(0, 'Acknowledged before the crash.');
    await ann.flushed();

    const offline = nextEvent(
      'ann to go offline',
      (listener) => ann.on('status', listener),
      (status) => status === 'offline',
    );
    await hub.kill('SIGKILL');
    await offline;
    ann.notes.insert(ann.notes.length, ' Typed while the hub was down.');
    ann.facts.record('callback', 'tomorrow 9am');

    await spawn(dataDir, { PORT: String(hub.port) });
    // Resolves once ann has rejoined by herself and the restarted hub has stored what it lacked.
    await ann.flushed();
    expect(contentOf(await storedDocument(dataDir, caseId))).toEqual(contentOf(ann));
    expect(ann.notes.toString()).toBe('Acknowledged before the crash. Typed while the hub was down.');
    await ann.close();
  });
});

describe('compaction of the update log', () => {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.stop()));
  });

  async function start(env: Record<string, string>, dataDir?: string): Promise<TestHub> {
    const hub = await startTestHub(env, dataDir);
    hubs.push(hub);
    return hub;
  }

  /** Stops a hub but keeps its data for the next one. */
  async function stopKeepingData(hub: TestHub): Promise<void> {
    hubs.splice(hubs.indexOf(hub), 1);
    await hub.stop({ keepData: true });
  }

  it('folds the log into a snapshot every CASEROOM_SNAPSHOT_EVERY updates, losing nothing', async () => {
    const env = { CASEROOM_SNAPSHOT_EVERY: '50' };
    const hub = await start(env);
    const caseId = await hub.createCase();
    const ann = await openSession(hub.url, caseId);
    await editOneByOne(ann, 320);
    await ann.flushed();
    const written = contentOf(ann);
    await ann.close();
    await stopKeepingData(hub);

    const rows = await storedRows(hub.dataDir, caseId);
    expect(rows.snapshot).toBe(true);
    expect(rows.updates).toBeLessThan(50);
    expect(contentOf(await storedDocument(hub.dataDir, caseId))).toEqual(written);

    const restarted = await start(env, hub.dataDir);
    const reader = await openSession(restarted.url, caseId, people.sam);
    expect(contentOf(reader)).toEqual(written);
    expect(reader.steps.list()).toHaveLength(32);
    await reader.close();
  });

  it('waits, in a large document, until the logged updates add up to half the snapshot before folding again', async () => {
    const hub = await start({ CASEROOM_SNAPSHOT_EVERY: '10' });
    const caseId = await hub.createCase();
    const ann = await openSession(hub.url, caseId);
    ann.notes.insert(0, 'x'.repeat(40_000));
    await ann.flushed();
    await ann.close();
    await stopKeepingData(hub);
    expect(await storedRows(hub.dataDir, caseId)).toEqual({ updates: 0, snapshot: true });

    // 30 small edits log far less than half of a 40 kB snapshot: no second encoding of the whole document yet.
    const restarted = await start({ CASEROOM_SNAPSHOT_EVERY: '10' }, hub.dataDir);
    const amy = await openSession(restarted.url, caseId, people.amy);
    await editOneByOne(amy, 30);
    await amy.flushed();
    expect(await storedRows(hub.dataDir, caseId)).toEqual({ updates: 30, snapshot: true });
    await amy.close();
  });

  it('folds the log into a snapshot when the room unloads; a newcomer is then answered from it without building the document', async () => {
    const hub = await start({ CASEROOM_SNAPSHOT_EVERY: '100000' });
    const caseId = await hub.createCase();
    const ann = await openSession(hub.url, caseId);
    await editOneByOne(ann, 300);
    await ann.flushed();
    const written = contentOf(ann);
    await ann.close();
    await stopKeepingData(hub);
    expect(await storedRows(hub.dataDir, caseId)).toEqual({ updates: 0, snapshot: true });

    const restarted = await start({}, hub.dataDir);
    const reader = await openSession(restarted.url, caseId, people.sam);
    expect(contentOf(reader)).toEqual(written);
    const room = restarted.rooms.get(caseId)!;
    expect(room.built).toBe(false);

    // The first edit builds the document, and what happens to it is still recorded as events.
    reader.steps.add({ text: 'Call the customer back' });
    await reader.flushed();
    expect(room.built).toBe(true);
    await restarted.events.drain();
    const types = (await restarted.events.forCase(caseId, 0, 1000)).map((event) => event.type);
    expect(types).toContain('step.added');
    const again = await openSession(restarted.url, caseId, people.amy);
    expect(again.steps.list().map((step) => step.text)).toContain('Call the customer back');
    await Promise.all([reader.close(), again.close()]);
  });
});

describe('a long update log left by a crash', () => {
  const { processes, dataDirs } = killedAfterEach();
  const hubs: TestHub[] = [];
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.stop({ keepData: true })));
  });

  it('is compacted when the document is first built, losing nothing', async () => {
    const dataDir = tempDataDir();
    dataDirs.push(dataDir);
    const crashed = await spawnHub(dataDir, { CASEROOM_SNAPSHOT_EVERY: '100000' });
    processes.push(crashed);
    const caseId = await createCaseOver(crashed.url);
    const { client, session: ann } = await openCaseAs(crashed.url, caseId, people.ann);
    await editOneByOne(ann, 2000);
    await ann.flushed();
    const written = contentOf(ann);
    client.disconnect();
    await crashed.kill('SIGKILL');
    expect(await storedRows(dataDir, caseId)).toEqual({ updates: 2000, snapshot: false });

    const restarted = await startTestHub({ CASEROOM_SNAPSHOT_EVERY: '50' }, dataDir);
    hubs.push(restarted);
    const reader = await openSession(restarted.url, caseId, people.sam);
    expect(contentOf(reader)).toEqual(written);
    // A log is no snapshot to answer from: serving the reader built the document, which folded the log.
    await restarted.rooms.get(caseId)!.flushed();
    expect(await storedRows(dataDir, caseId)).toEqual({ updates: 0, snapshot: true });
    expect(contentOf(await storedDocument(dataDir, caseId))).toEqual(written);
    await reader.close();
  });
});

describe('unloading idle case rooms', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  const roomEvent = (rooms: TestHub['rooms'], event: 'loaded' | 'unloaded', caseId: string): Promise<string> =>
    nextEvent<string>(
      `case ${caseId} to be ${event}`,
      (listener) => {
        rooms.on(event, listener);
        return () => rooms.off(event, listener);
      },
      (id) => id === caseId,
    );

  it('unloads a room after the grace period once the last client left, and reloads the same content', async () => {
    hub = await startTestHub({ CASEROOM_ROOM_GRACE_MS: '20' });
    const caseId = await hub.createCase();
    const ann = await openSession(hub.url, caseId);
    ann.notes.insert(0, 'Kept across an unload.');
    ann.facts.record('order number', 'A-1001');
    await ann.flushed();
    const room = hub.rooms.get(caseId);
    expect(room).toBeDefined();

    const unloaded = roomEvent(hub.rooms, 'unloaded', caseId);
    await ann.close();
    await unloaded;
    expect(hub.rooms.get(caseId)).toBeUndefined();
    expect(room!.doc.isDestroyed).toBe(true);

    const loaded = roomEvent(hub.rooms, 'loaded', caseId);
    const bob = await openSession(hub.url, caseId, people.bob);
    await loaded;
    expect(hub.rooms.get(caseId)).not.toBe(room);
    expect(contentOf(bob)).toEqual(contentOf(ann));
    await bob.close();
  });

  it('keeps the room of a client that rejoins within the grace period', async () => {
    hub = await startTestHub({ CASEROOM_ROOM_GRACE_MS: '1500' });
    const rooms = hub.rooms;
    const caseId = await hub.createCase();
    // A second case whose unload serves as the clock: its timer has the same length and starts later.
    const clockCase = await hub.createCase();
    const ann = await openSession(hub.url, caseId);
    const clock = await openSession(hub.url, clockCase, people.amy);
    ann.notes.insert(0, 'Written before the page reload.');
    await ann.flushed();
    const room = rooms.get(caseId);
    const events: string[] = [];
    const record = (event: string) => (id: string) => events.push(`${event} ${id}`);
    rooms.on('loaded', record('loaded'));
    rooms.on('unloaded', record('unloaded'));
    // Connected in advance, so the rejoin is only a join message away.
    const reloaded = await connectAs(hub.url, people.ann);

    await ann.close();
    const again = reloaded.openCase(caseId);
    await again.synced;
    const clockUnloaded = roomEvent(rooms, 'unloaded', clockCase);
    await clock.close();
    await clockUnloaded;

    expect(events).toEqual([`unloaded ${clockCase}`]);
    expect(rooms.get(caseId)).toBe(room);
    expect(again.notes.toString()).toBe('Written before the page reload.');
    await again.close();
  });
});
