/**
 * The SDK's one-frame messages (shared/src/oneFrameMessages.ts) beside stock Socket.IO clients in
 * one case: both forms reach the hub, both come back to whoever asked for them, and a one-frame
 * message that does not decode closes its own connection and nobody else's.
 */
import {
  casesNamespace,
  decodeSyncMessage,
  encodeOneFrame,
  encodeSyncStep1,
  encodeUpdate,
  oneFrameFormat,
  oneFrameParser,
  oneFrameQuery,
} from '@caseroom/shared';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { amy, ann, bob, mallory, sam } from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { nextEvent, waitForDoc } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

const notesOf = (doc: Y.Doc): string => doc.getText('notes').toString();

/** A stock client's replica, following what the hub relays to it. */
function follow(reader: RawParticipant): void {
  reader.socket.on('doc:sync', (_caseId: string, message: ArrayBuffer) => {
    const sync = decodeSyncMessage(new Uint8Array(message));
    if (sync.type !== 'step1') Y.applyUpdate(reader.doc, sync.update);
  });
}

/** Resolves when every document holds the same notes, and answers them. */
async function converged(docs: Y.Doc[], what: string): Promise<string> {
  await waitForDoc(docs, what, () => docs.every((doc) => notesOf(doc) === notesOf(docs[0]!)));
  return notesOf(docs[0]!);
}

/** Sends bytes as one binary engine.io message, under Socket.IO: what no parser would send, if need be. */
function sendRaw(socket: Socket, bytes: Uint8Array): void {
  socket.io.engine.write(bytes);
}

/** A one-frame message put together by hand: the format byte, the packet string, then each part with its length. */
function handMade(packet: string, parts: Uint8Array[], format = oneFrameFormat): Uint8Array {
  const header = new TextEncoder().encode(packet);
  const frame = new Uint8Array(5 + header.byteLength + parts.reduce((sum, part) => sum + 4 + part.byteLength, 0));
  const view = new DataView(frame.buffer);
  frame[0] = format;
  view.setUint32(1, header.byteLength);
  frame.set(header, 5);
  let at = 5 + header.byteLength;
  for (const part of parts) {
    view.setUint32(at, part.byteLength);
    frame.set(part, at + 4);
    at += 4 + part.byteLength;
  }
  return frame;
}

const extraSockets = new Set<Socket>();
afterEach(() => {
  for (const socket of extraSockets) socket.disconnect();
  extraSockets.clear();
});

describe('SDK and stock Socket.IO clients in one case', () => {
  it('both get every edit, from either, and converge', async () => {
    const caseId = await hub.createCase();
    const sdk = await Promise.all([ann, amy].map((who) => openCaseAs(hub.url, caseId, who)));
    const stock = await Promise.all(
      [sam, bob].map(async (who) => new RawParticipant(await connected(rawSocket(hub.url, await hub.token(who))), caseId)),
    );
    for (const participant of stock) {
      await participant.join();
      follow(participant);
    }
    const docs = [...sdk.map(({ session }) => session.doc), ...stock.map(({ doc }) => doc)];

    for (let round = 0; round < 5; round++) {
      for (const [i, { session }] of sdk.entries()) {
        session.notes.insert(0, `s${i}.${round} `);
        await session.flushed();
      }
      for (const [i, participant] of stock.entries()) {
        const ack = await participant.edit((doc) => doc.getText('notes').insert(0, `r${i}.${round} `));
        expect(ack).toEqual({ ok: true });
      }
    }
    const text = await converged(docs, 'every replica to hold every edit');
    for (const who of ['s0', 's1', 'r0', 'r1']) for (let round = 0; round < 5; round++) expect(text).toContain(`${who}.${round} `);
  });

  it('answers the requests of both, binary answers included', async () => {
    const caseId = await hub.createCase();
    const { session, client } = await openCaseAs(hub.url, caseId, ann);
    session.notes.insert(0, 'Customer asks for a refund.');
    await session.flushed();

    // A stock client: its sync step 1 is a header and an attachment, and so is the step 2 it gets back.
    const stock = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(amy))), caseId);
    await stock.join();
    expect(notesOf(stock.doc)).toBe('Customer asks for a refund.');

    // The SDK's socket: one frame out, one frame back.
    const answer = await client.socket.emitWithAck('doc:sync', caseId, encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    expect(answer.ok).toBe(true);
    const reply = decodeSyncMessage(new Uint8Array((answer as { reply: Uint8Array }).reply));
    expect(reply.type).toBe('step2');
    const replica = new Y.Doc();
    if (reply.type === 'step2') Y.applyUpdate(replica, reply.update);
    expect(notesOf(replica)).toBe('Customer asks for a refund.');

    // A stock client that asks for one frames, with the SDK's parser: its join's `update` comes back whole.
    const asking = io(new URL(casesNamespace, hub.url).toString(), {
      auth: { token: await hub.token(sam) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      parser: oneFrameParser(),
      query: oneFrameQuery,
    });
    extraSockets.add(asking);
    await connected(asking);
    const joined = await asking.emitWithAck('case:join', { caseId, stateVector: Y.encodeStateVector(new Y.Doc()) });
    expect(joined.ok).toBe(true);
    const joinedDoc = new Y.Doc();
    Y.applyUpdate(joinedDoc, new Uint8Array(joined.update));
    expect(notesOf(joinedDoc)).toBe('Customer asks for a refund.');
  });

  it('reads a one-frame message from a client that did not ask for one frames back', async () => {
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    const stock = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(amy))), caseId);
    await stock.join();

    const edit = new Y.Doc();
    edit.getText('notes').insert(0, 'Sent in one frame by hand.');
    const answer = `3${casesNamespace},7[{"ok":true}]`;
    const answered = nextEvent<unknown>(
      'the answer to the hand-made message',
      (listener) => {
        stock.socket.io.engine.on('message', listener);
        return () => stock.socket.io.engine.off('message', listener);
      },
      (data) => data === answer,
    );
    // Event `doc:sync` with acknowledgement id 7, its update as the one part.
    sendRaw(
      stock.socket,
      encodeOneFrame([
        `51-${casesNamespace},7["doc:sync","${caseId}",{"_placeholder":true,"num":0}]`,
        encodeUpdate(Y.encodeStateAsUpdate(edit)),
      ])!,
    );
    await answered;
    await waitForDoc(session.doc, 'the hand-made edit to reach the others', () => notesOf(session.doc) === 'Sent in one frame by hand.');
  });
});

describe('a one-frame message that does not decode', () => {
  const update = (): Uint8Array => {
    const doc = new Y.Doc();
    doc.getText('notes').insert(0, 'forged');
    return encodeUpdate(Y.encodeStateAsUpdate(doc));
  };
  const event = (caseId: string, parts = 1): string => `5${parts}-${casesNamespace},["doc:sync","${caseId}",{"_placeholder":true,"num":0}]`;
  const withLength = (frame: Uint8Array, at: number, length: number): Uint8Array => {
    new DataView(frame.buffer).setUint32(at, length);
    return frame;
  };
  const garbage: Array<[string, (caseId: string) => Uint8Array]> = [
    ['another format byte', (caseId) => handMade(event(caseId), [update()], 9)],
    ['shorter than its own header', () => new Uint8Array([oneFrameFormat, 0, 0])],
    ['a packet string running past the frame', (caseId) => withLength(handMade(event(caseId), [update()]), 1, 1 << 30)],
    ['a packet string that is not UTF-8', (caseId) => handMade(event(caseId), [update()]).fill(0xff, 8, 9)],
    ['a packet without binary parts', (caseId) => handMade(`2${casesNamespace},["doc:sync","${caseId}"]`, [update()])],
    ['fewer parts than its packet announces', (caseId) => handMade(event(caseId, 2), [update()])],
    [
      'a part running past the frame',
      (caseId) => {
        const packet = event(caseId);
        return withLength(handMade(packet, [update()]), 5 + new TextEncoder().encode(packet).byteLength, 1 << 20);
      },
    ],
    ['bytes after its last part', (caseId) => new Uint8Array([...handMade(event(caseId), [update()]), 0])],
    ['a placeholder naming a part it does not have', (caseId) => handMade(event(caseId).replace('"num":0', '"num":3'), [update()])],
    ['a packet string that is not JSON', (caseId) => handMade(`51-${casesNamespace},["doc:sync","${caseId}",{`, [update()])],
    ['more parts than Socket.IO allows', (caseId) => handMade(event(caseId, 11), Array.from({ length: 11 }, update))],
  ];

  it('closes its own connection, while the hub and everyone else in the case carry on', async () => {
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, ann);
    const stock = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(amy))), caseId);
    await stock.join();
    follow(stock);

    for (const [what, make] of garbage) {
      const attacker = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(mallory))), caseId);
      await attacker.join();
      const closed = nextEvent<string>(`the connection sending ${what} to close`, (listener) => {
        attacker.socket.on('disconnect', listener);
        return () => attacker.socket.off('disconnect', listener);
      });
      sendRaw(attacker.socket, make(caseId));
      expect(await closed, what).toBe('transport close');

      // Nothing of it reached the case, and the others keep editing, both ways.
      session.notes.insert(0, `${what}; `);
      await session.flushed();
      const ack = await stock.edit((doc) => doc.getText('notes').insert(0, 'ok; '));
      expect(ack, what).toEqual({ ok: true });
      const text = await converged([session.doc, stock.doc], `the others to carry on after ${what}`);
      expect(text).not.toContain('forged');
    }
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });
});
