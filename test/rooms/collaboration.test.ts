import type { CaseSession } from '@caseroom/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeFrame, decodeSyncMessage, encodeSyncFrame, encodeSyncStep1 } from '@caseroom/shared';
import { connectClient } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { storedRows } from '../helpers/store.js';
import { connected, RawParticipant, rawSocket } from '../helpers/sockets.js';
import { waitFor, waitForDoc } from '../helpers/wait.js';
import { openRawSocket } from '../helpers/yjs.js';

let hub: TestHub;

/** Same notes, steps and facts (facts compared regardless of key order, which replicas may differ on). */
function sameDocument(a: CaseSession, b: CaseSession): boolean {
  const normal = (s: CaseSession): string => {
    const { notes, steps, facts } = s.document.toJSON();
    return JSON.stringify({ notes, steps, facts: Object.entries(facts).sort(([x], [y]) => x.localeCompare(y)) });
  };
  return normal(a) === normal(b);
}

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

describe('two agents on one case document', () => {
  it('converges concurrent edits of notes, steps and facts', async () => {
    const caseId = await hub.createCase();
    const ann = connectClient(hub.url, await hub.token(people.ann)).openCase(caseId);
    const bob = connectClient(hub.url, await hub.token(people.bob)).openCase(caseId);
    await Promise.all([ann.synced, bob.synced]);

    ann.notes.insert(0, 'Customer charged twice. ');
    bob.notes.insert(0, 'Card ends 4242. ');
    const stepId = ann.steps.add({ text: 'Refund the duplicate charge', assignee: 'bob' });
    bob.steps.add({ text: 'Check the payment provider log' });
    ann.facts.record('order number', 'A-1001');
    bob.facts.record('email', 'kim@example.com');

    const converged = (): boolean =>
      sameDocument(ann, bob) && ann.steps.list().length === 2 && Object.keys(ann.facts.toJSON()).length === 2;
    await waitForDoc([ann.doc, bob.doc], 'both to converge', converged);

    expect(ann.notes.toString()).toContain('Customer charged twice.');
    expect(ann.notes.toString()).toContain('Card ends 4242.');
    expect(bob.facts.toJSON()).toMatchObject({
      'order number': { answer: 'A-1001', by: 'ann' },
      email: { answer: 'kim@example.com', by: 'bob' },
    });

    bob.steps.complete(stepId);
    await waitForDoc(ann.doc, 'the step to be done on ann', () => ann.steps.get(stepId)?.done === true);
    expect(ann.steps.get(stepId)).toMatchObject({ text: 'Refund the duplicate charge', assignee: 'bob', done: true });
  });

  it('gives a late joiner the whole document', async () => {
    const caseId = await hub.createCase();
    const ann = connectClient(hub.url, await hub.token(people.ann)).openCase(caseId);
    await ann.synced;
    ann.notes.insert(0, 'Already asked for the order number.');
    ann.facts.record('order number', 'A-2002');
    await ann.flushed();

    const sam = connectClient(hub.url, await hub.token(people.sam)).openCase(caseId);
    await sam.synced;
    expect(sam.notes.toString()).toBe('Already asked for the order number.');
    expect(sam.facts.get('order number')?.answer).toBe('A-2002');
  });

  it('answers a join that carries a state vector with exactly what that replica lacks', async () => {
    const caseId = await hub.createCase();
    const ann = connectClient(hub.url, await hub.token(people.ann)).openCase(caseId);
    await ann.synced;
    ann.notes.insert(0, 'First line. ');
    await ann.flushed();
    const partial = new Y.Doc();
    Y.applyUpdate(partial, Y.encodeStateAsUpdate(ann.doc));
    ann.notes.insert(ann.notes.length, 'Second line.');
    await ann.flushed();

    const socket = await connected(rawSocket(hub.url, await hub.token(people.sam)));
    const ack = await socket.emitWithAck('case:join', { caseId, stateVector: Y.encodeStateVector(partial) });
    expect(ack.ok).toBe(true);
    const update = new Uint8Array(ack.update);
    expect(update.byteLength).toBeLessThan(Y.encodeStateAsUpdate(ann.doc).byteLength);
    Y.applyUpdate(partial, update);
    expect(partial.getText('notes').toString()).toBe('First line. Second line.');
    // Without a state vector the join answers as before, and the document comes by doc:sync.
    const plain = await socket.emitWithAck('case:join', { caseId });
    expect(plain.ok).toBe(true);
    expect(plain.update).toBeUndefined();
  });

  it('merges edits both sides made while one of them was offline', async () => {
    const caseId = await hub.createCase();
    const annClient = connectClient(hub.url, await hub.token(people.ann));
    const ann = annClient.openCase(caseId);
    const bob = connectClient(hub.url, await hub.token(people.bob)).openCase(caseId);
    await Promise.all([ann.synced, bob.synced]);
    ann.notes.insert(0, 'start.');
    await waitForDoc(bob.doc, 'bob to see the start', () => bob.notes.toString() === 'start.');

    annClient.disconnect();
    ann.notes.insert(ann.notes.length, ' ann offline.');
    ann.steps.add({ text: 'offline step by ann' });
    bob.notes.insert(0, 'bob online. ');
    bob.facts.record('phone', '+1 555 0100');
    await bob.flushed();
    expect(ann.notes.toString()).not.toContain('bob online.');

    annClient.connect();
    await ann.flushed();
    const merged = (): boolean => ann.notes.toString() === bob.notes.toString() && bob.steps.list().length === 1 && ann.facts.has('phone');
    await waitForDoc([ann.doc, bob.doc], 'both to merge', () => merged() && sameDocument(ann, bob));
    expect(ann.notes.toString()).toContain('ann offline.');
    expect(ann.notes.toString()).toContain('bob online.');
  });

  it('sends a burst of edits as one message in flight and one merged behind it, and everyone gets all of it', async () => {
    const caseId = await hub.createCase();
    const ann = connectClient(hub.url, await hub.token(people.ann)).openCase(caseId);
    const bob = connectClient(hub.url, await hub.token(people.bob)).openCase(caseId);
    await Promise.all([ann.synced, bob.synced]);

    // Made in one go, as a paste or a script would: the first edit goes out, the other 99 wait for its acknowledgement.
    for (let i = 0; i < 100; i++) ann.notes.insert(ann.notes.length, `${i} `);
    await ann.flushed();
    expect(await storedRows(hub.dataDir, caseId)).toMatchObject({ updates: 2 });
    const written = ann.notes.toString();
    expect(written.split(' ')).toHaveLength(101);
    await waitForDoc(bob.doc, 'bob to get the whole burst', () => bob.notes.toString() === written);
  });

  it('carries several cases over one socket without mixing them', async () => {
    const first = await hub.createCase();
    const second = await hub.createCase();
    const client = connectClient(hub.url, await hub.token(people.ann));
    const a = client.openCase(first);
    const b = client.openCase(second);
    const watcher = connectClient(hub.url, await hub.token(people.amy)).openCase(second);
    await Promise.all([a.synced, b.synced, watcher.synced]);
    a.notes.insert(0, 'only in the first case');
    b.notes.insert(0, 'only in the second case');
    await waitForDoc(watcher.doc, 'the second case note', () => watcher.notes.toString() === 'only in the second case');
    await a.flushed();
    expect(watcher.notes.toString()).toBe('only in the second case');
  });
});

describe('transports', () => {
  it('serves a client that starts on HTTP long-polling and upgrades to WebSocket, as one that starts on WebSocket', async () => {
    const caseId = await hub.createCase();
    const pollingFirst = connectClient(hub.url, await hub.token(people.ann), { transports: ['polling', 'websocket'] });
    const ann = pollingFirst.openCase(caseId);
    const bob = connectClient(hub.url, await hub.token(people.bob)).openCase(caseId);
    await Promise.all([ann.synced, bob.synced]);
    ann.notes.insert(0, 'Sent over polling or WebSocket. ');
    await waitForDoc([bob.doc], 'bob to see ann', () => bob.notes.toString() === 'Sent over polling or WebSocket. ');
    const engine = pollingFirst.socket.io.engine;
    if (engine.transport.name !== 'websocket') await new Promise((upgraded) => engine.once('upgrade', upgraded));
    expect(engine.transport.name).toBe('websocket');
    bob.notes.insert(0, 'Back. ');
    await waitForDoc([ann.doc], 'ann to see bob over WebSocket', () => ann.notes.toString().startsWith('Back. '));
    ann.notes.insert(ann.notes.length, 'Still here.');
    await ann.flushed();
    await waitForDoc([bob.doc], 'bob to see the edit sent after the upgrade', () => bob.notes.toString().endsWith('Still here.'));
  });
});

describe('relaying a busy case', () => {
  it('sends an edit after a quiet spell at once, and merges the edits that follow within CASEROOM_RELAY_INTERVAL_MS into one relay', async () => {
    const busy = await startTestHub({ CASEROOM_RELAY_INTERVAL_MS: '1000' });
    try {
      const caseId = await busy.createCase();
      const ann = connectClient(busy.url, await busy.token(people.ann)).openCase(caseId);
      await ann.synced;
      const watcher = await connected(rawSocket(busy.url, await busy.token(people.bob)));
      /** the document updates relayed to the watcher (the hub's own sync step 1 left out) */
      const relays: Uint8Array[] = [];
      watcher.on('doc:sync', (_caseId: string, message: ArrayBuffer) => {
        const decoded = decodeSyncMessage(new Uint8Array(message));
        if (decoded.type !== 'step1') relays.push(decoded.update);
      });
      const relayed = (count: number) =>
        waitFor(
          `${count} relays`,
          (check) => (watcher.on('doc:sync', check), () => watcher.off('doc:sync', check)),
          () => relays.length >= count,
        );
      const joined = await watcher.emitWithAck('case:join', { caseId, stateVector: Y.encodeStateVector(new Y.Doc()) });
      expect(joined.ok).toBe(true);

      ann.notes.insert(0, 'One. ');
      await relayed(1);
      ann.notes.insert(ann.notes.length, 'Two. ');
      ann.notes.insert(ann.notes.length, 'Three.');
      await relayed(2);
      expect(relays).toHaveLength(2);
      const replica = new Y.Doc();
      Y.applyUpdate(replica, new Uint8Array(joined.update));
      Y.applyUpdate(replica, relays[0]!);
      expect(replica.getText('notes').toString()).toBe('One. ');
      Y.applyUpdate(replica, relays[1]!);
      expect(replica.getText('notes').toString()).toBe('One. Two. Three.');
    } finally {
      await busy.stop();
    }
  });

  it('hands a y-websocket client the same merged relays as a Socket.IO one: /yjs honours CASEROOM_RELAY_INTERVAL_MS too', async () => {
    const busy = await startTestHub({ CASEROOM_RELAY_INTERVAL_MS: '1000' });
    try {
      const caseId = await busy.createCase();
      // A writer that sends each edit on its own and waits for it to be stored: without the interval, each is a relay.
      const writer = new RawParticipant(await connected(rawSocket(busy.url, await busy.token(people.ann))), caseId);
      await writer.join();
      const type = async (text: string): Promise<void> => {
        const ack = await writer.edit((doc) => doc.getText('notes').insert(doc.getText('notes').length, text));
        expect(ack.ok).toBe(true);
      };
      /** the document updates relayed to each reader (sync steps left out) */
      const overSocketIo: Uint8Array[] = [];
      const overYjs: Uint8Array[] = [];
      const watcher = await connected(rawSocket(busy.url, await busy.token(people.bob)));
      watcher.on('doc:sync', (_caseId: string, message: ArrayBuffer) => {
        const decoded = decodeSyncMessage(new Uint8Array(message));
        if (decoded.type === 'update') overSocketIo.push(decoded.update);
      });
      expect((await watcher.emitWithAck('case:join', { caseId })).ok).toBe(true);
      const reader = await openRawSocket(busy.url, `/yjs/${caseId}?token=${await busy.token(people.sam)}`);
      const replica = new Y.Doc();
      let answered = false;
      reader.on('message', (data: Buffer) => {
        const frame = decodeFrame(new Uint8Array(data));
        if (frame.kind !== 'sync') return;
        if (frame.message.type === 'step2') {
          Y.applyUpdate(replica, frame.message.update);
          answered = true;
        }
        if (frame.message.type === 'update') overYjs.push(frame.message.update);
      });
      reader.send(encodeSyncFrame(encodeSyncStep1(Y.encodeStateVector(replica))));
      // The hub answers our step 1 once the reader is in the room.
      await waitFor(
        'the hub to answer the y-websocket step 1',
        (check) => (reader.on('message', check), () => reader.off('message', check)),
        () => answered,
      );
      const relayed = (count: number) =>
        waitFor(
          `${count} relays to each reader`,
          (check) => {
            watcher.on('doc:sync', check);
            reader.on('message', check);
            return () => (watcher.off('doc:sync', check), reader.off('message', check));
          },
          () => overSocketIo.length >= count && overYjs.length >= count,
        );

      await type('One. ');
      await relayed(1);
      await type('Two. ');
      await type('Three.');
      await relayed(2);
      expect(overYjs).toHaveLength(2);
      expect(overYjs).toEqual(overSocketIo);
      Y.applyUpdate(replica, overYjs[0]!);
      expect(replica.getText('notes').toString()).toBe('One. ');
      Y.applyUpdate(replica, overYjs[1]!);
      expect(replica.getText('notes').toString()).toBe('One. Two. Three.');
    } finally {
      await busy.stop();
    }
  });
});
