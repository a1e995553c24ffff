/**
 * Per-connection limits: rate (messages and bytes per second), message size, cases per socket,
 * document size. A client over a limit is refused with a clear code and loses nothing it had;
 * every other connection goes on as before.
 */
import { encodeAwarenessUpdate, encodeSyncStep1, encodeUpdate, type Identity } from '@caseroom/shared';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { storedDocument } from '../helpers/store.js';
import { waitForDoc } from '../helpers/wait.js';
import { openRawSocket, socketClosed } from '../helpers/yjs.js';

const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.stop()));
});

async function hubWith(env: Record<string, string>): Promise<TestHub> {
  const hub = await startTestHub(env);
  hubs.push(hub);
  return hub;
}

async function participant(hub: TestHub, caseId: string, who: Identity): Promise<RawParticipant> {
  const socket = await connected(rawSocket(hub.url, await hub.token(who)));
  const p = new RawParticipant(socket, caseId);
  await p.join();
  return p;
}

type AnyAck = { ok: boolean; error?: { code: string; message: string } };
const send = (socket: Socket, event: string, ...args: unknown[]): Promise<AnyAck> => socket.emitWithAck(event, ...args);

const codes = (acks: AnyAck[]): string[] => acks.map((ack) => (ack.ok ? 'ok' : ack.error!.code));

describe('messages per second', () => {
  it('refuses a flooding socket with rate_limited, leaving the document and other sockets alone', async () => {
    // A burst of 10 messages, then 2 per second: of 40 at once, at least 20 fail however slow the machine.
    const hub = await hubWith({ CASEROOM_RATE_MESSAGES_PER_S: '2', CASEROOM_RATE_BURST_S: '5' });
    const caseId = await hub.createCase();
    const { session: bob } = await openCaseAs(hub.url, caseId, people.bob);
    const mallory = await participant(hub, caseId, people.mallory); // join + step 1: two of the four
    const flood = Array.from({ length: 40 }, (_, i) => {
      const doc = new Y.Doc();
      doc.getText('notes').insert(0, `FLOOD ${i} `);
      return send(mallory.socket, 'doc:sync', caseId, encodeUpdate(Y.encodeStateAsUpdate(doc)));
    });
    const acks = await Promise.all(flood);
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThanOrEqual(20);
    for (const ack of refused)
      expect(ack.error).toEqual({ code: 'rate_limited', message: expect.stringContaining('2 messages per second') });
    const accepted = codes(acks).filter((code) => code === 'ok').length;

    // Bob, on his own socket, is not limited by Mallory's flood.
    bob.notes.insert(bob.notes.length, 'bob was here. ');
    await bob.flushed();
    const stored = await storedDocument(hub.dataDir, caseId);
    const notes = stored.getText('notes').toString();
    expect(notes).toContain('bob was here. ');
    // Exactly the accepted flood messages reached the document; no refused one did.
    expect(notes.match(/FLOOD \d+ /g) ?? []).toHaveLength(accepted);
  });
});

describe('an SDK session over the rate limit', () => {
  it('sends the refused edits again once the hub can take them, and flushed() waits for them', async () => {
    // A burst of 20 messages, then 20 per second: 60 edits, each made as soon as the hub answered
    // the one before (edits made together would travel as one message), cannot all pass at first.
    const hub = await hubWith({ CASEROOM_RATE_MESSAGES_PER_S: '20', CASEROOM_RATE_BURST_S: '1' });
    const caseId = await hub.createCase();
    const { session } = await openCaseAs(hub.url, caseId, people.ann);
    const refusals: string[] = [];
    session.on('error', (err) => refusals.push(err.code));
    const answered = (): Promise<void> =>
      new Promise((done) => {
        const refused = (): void => {
          session.off('error', refused);
          done();
        };
        session.on('error', refused);
        void session.flushed().then(refused);
      });
    for (let i = 0; i < 60; i++) {
      session.notes.insert(session.notes.length, `[${i}]`);
      await answered();
    }
    await session.flushed();
    expect(refusals).toContain('rate_limited');
    const expected = Array.from({ length: 60 }, (_, i) => `[${i}]`).join('');
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe(expected);
  });
});

describe('bytes per second', () => {
  it('refuses messages past the byte budget with rate_limited; a fresh socket of the same person is unaffected', async () => {
    // The byte bucket holds one largest message (4096) and refills at 100 bytes/s.
    const hub = await hubWith({ CASEROOM_RATE_BYTES_PER_S: '100', CASEROOM_RATE_BURST_S: '1', CASEROOM_MAX_MESSAGE_BYTES: '4096' });
    const caseId = await hub.createCase();
    const mallory = await participant(hub, caseId, people.mallory);
    const cursor = (i: number) => encodeAwarenessUpdate([{ clientId: 500 + i, clock: 1, state: { pad: 'p'.repeat(1500) } }]);
    const acks = await Promise.all(Array.from({ length: 10 }, (_, i) => send(mallory.socket, 'doc:awareness', caseId, cursor(i))));
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThanOrEqual(7);
    for (const ack of refused)
      expect(ack.error).toEqual({ code: 'rate_limited', message: expect.stringContaining('100 bytes per second') });

    const again = await participant(hub, caseId, people.mallory);
    expect(await send(again.socket, 'doc:awareness', caseId, cursor(99))).toEqual({ ok: true });
  });
});

describe('message size', () => {
  it('refuses a JSON request over CASEROOM_MAX_MESSAGE_BYTES with payload_too_large, and the socket goes on', async () => {
    const hub = await hubWith({ CASEROOM_MAX_MESSAGE_BYTES: '4096' });
    const caseId = await hub.createCase();
    const mallory = await participant(hub, caseId, people.mallory);
    const huge = { caseId, kind: 'refund', summary: 's'.repeat(6000), amount: 10, currency: 'EUR' };
    expect(await send(mallory.socket, 'approval:request', huge)).toEqual({
      ok: false,
      error: { code: 'payload_too_large', message: expect.stringContaining('4096 bytes') },
    });
    expect(await hub.approvals.forCase(caseId)).toEqual([]);
    expect(await send(mallory.socket, 'doc:sync', caseId, encodeSyncStep1(Y.encodeStateVector(mallory.doc)))).toMatchObject({ ok: true });
  });

  it('closes a y-websocket connection that sends a frame over the limit with 1009', async () => {
    const hub = await hubWith({ CASEROOM_MAX_MESSAGE_BYTES: '4096' });
    const caseId = await hub.createCase();
    const ws = await openRawSocket(hub.url, `/yjs/${caseId}?token=${await hub.token(people.mallory)}`);
    const closed = socketClosed(ws);
    ws.send(new Uint8Array(5000));
    expect((await closed).code).toBe(1009);
  });
});

describe('cases per socket', () => {
  it('refuses a join past CASEROOM_MAX_CASES_PER_SOCKET with too_many_cases until the socket leaves one', async () => {
    const hub = await hubWith({ CASEROOM_MAX_CASES_PER_SOCKET: '2' });
    const [a, b, c] = [await hub.createCase(), await hub.createCase(), await hub.createCase()];
    const socket = await connected(rawSocket(hub.url, await hub.token(people.ann)));
    expect(codes([await send(socket, 'case:join', { caseId: a }), await send(socket, 'case:join', { caseId: b })])).toEqual(['ok', 'ok']);
    expect(await send(socket, 'case:join', { caseId: c })).toEqual({
      ok: false,
      error: { code: 'too_many_cases', message: expect.stringContaining('at most 2 cases') },
    });
    // Joining one it already has is no new case.
    expect(await send(socket, 'case:join', { caseId: a })).toMatchObject({ ok: true });
    // Another socket has its own allowance.
    const other = await connected(rawSocket(hub.url, await hub.token(people.ann)));
    expect(await send(other, 'case:join', { caseId: c })).toMatchObject({ ok: true });
    expect(await send(socket, 'case:leave', { caseId: b })).toEqual({ ok: true });
    expect(await send(socket, 'case:join', { caseId: c })).toMatchObject({ ok: true });
  });

  it('counts joins under way: of many at once, only the allowance succeeds', async () => {
    const hub = await hubWith({ CASEROOM_MAX_CASES_PER_SOCKET: '3' });
    const ids = await Promise.all(Array.from({ length: 8 }, () => hub.createCase()));
    const socket = await connected(rawSocket(hub.url, await hub.token(people.ann)));
    const acks = await Promise.all(ids.map((caseId) => send(socket, 'case:join', { caseId })));
    expect(codes(acks).filter((code) => code === 'ok')).toHaveLength(3);
    expect(codes(acks).filter((code) => code === 'too_many_cases')).toHaveLength(5);
  });
});

describe('document size', () => {
  const limit = 8192;

  it('refuses an edit that would grow the document past CASEROOM_MAX_DOCUMENT_BYTES, and accepts deletions after', async () => {
    const hub = await hubWith({ CASEROOM_MAX_DOCUMENT_BYTES: String(limit) });
    const caseId = await hub.createCase();
    const { session: bob } = await openCaseAs(hub.url, caseId, people.bob);
    const ann = await participant(hub, caseId, people.ann);
    const append = (text: string) => ann.edit((doc) => doc.getText('notes').insert(doc.getText('notes').length, text));
    expect(await append('a'.repeat(3000))).toEqual({ ok: true });
    expect(await append('b'.repeat(3000))).toEqual({ ok: true });
    expect(await append('c'.repeat(3000))).toEqual({
      ok: false,
      error: { code: 'document_too_large', message: expect.stringContaining(`${limit} bytes`) },
    });
    const before = 'a'.repeat(3000) + 'b'.repeat(3000);
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe(before);

    // A fresh replica (without the refused text) trims the notes: deletions pass at the limit.
    const fresh = await participant(hub, caseId, people.ann);
    expect(await fresh.edit((doc) => doc.getText('notes').delete(0, 3000))).toEqual({ ok: true });
    expect(await fresh.edit((doc) => doc.getText('notes').insert(0, 'short. '))).toEqual({ ok: true });
    await waitForDoc(bob.doc, 'bob to see the trimmed notes', () => bob.notes.toString() === 'short. ' + 'b'.repeat(3000));
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('short. ' + 'b'.repeat(3000));
  });

  it('closes a y-websocket connection whose edit would pass the limit with 1009 document_too_large', async () => {
    const hub = await hubWith({ CASEROOM_MAX_DOCUMENT_BYTES: String(limit) });
    const caseId = await hub.createCase();
    const ws: WebSocket = await openRawSocket(hub.url, `/yjs/${caseId}?token=${await hub.token(people.yan)}`);
    const closed = socketClosed(ws);
    const doc = new Y.Doc();
    doc.getText('notes').insert(0, 'z'.repeat(limit + 100));
    ws.send(new Uint8Array([0, ...encodeUpdate(Y.encodeStateAsUpdate(doc))]));
    const { code, reason } = await closed;
    expect(code).toBe(1009);
    expect(reason).toMatch(/^document_too_large/);
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('');
  });
});

describe('y-websocket rate limits', () => {
  it('closes a flooding connection with 1008 rate_limited; another connection keeps editing', async () => {
    const hub = await hubWith({ CASEROOM_RATE_MESSAGES_PER_S: '2', CASEROOM_RATE_BURST_S: '5' });
    const caseId = await hub.createCase();
    const flooder = await openRawSocket(hub.url, `/yjs/${caseId}?token=${await hub.token(people.mallory)}`);
    const closed = socketClosed(flooder);
    const queryAwareness = new Uint8Array([3]);
    for (let i = 0; i < 40; i++) flooder.send(queryAwareness);
    const { code, reason } = await closed;
    expect(code).toBe(1008);
    expect(reason).toMatch(/^rate_limited/);

    const { session } = await openCaseAs(hub.url, caseId, people.ann);
    session.notes.insert(0, 'still works');
    await session.flushed();
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('still works');
  });
});
