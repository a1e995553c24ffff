/**
 * Refusals an operator counts on: a socket reaches only the cases it joined, whatever case id it
 * writes into a message; bot tokens cannot act as people; bad tokens never open the y-websocket
 * endpoint; event names that happen to be Object.prototype members are just unknown events.
 */
import { encodeAwarenessUpdate, encodeSyncStep1, encodeUpdate } from '@caseroom/shared';
import { SignJWT, UnsecuredJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { mintToken, startTestHub, testSecret, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { storedDocument } from '../helpers/store.js';
import { refusedUpgrade } from '../helpers/yjs.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

type AnyAck = { ok: boolean; error?: { code: string }; reply?: unknown };
const send = (socket: Socket, event: string, ...args: unknown[]): Promise<AnyAck> => socket.emitWithAck(event, ...args);

function insertUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('cross-case isolation', () => {
  it('refuses every message that names a case of the same team the socket did not join, and case B stays as it was', async () => {
    const [caseA, caseB] = [await hub.createCase(), await hub.createCase()];
    const { session: amy } = await openCaseAs(hub.url, caseB, people.amy);
    amy.notes.insert(0, 'Private to case B.');
    await amy.flushed();
    const bBefore = amy.doc.getText('notes').toString();
    let amySawUpdates = 0;
    amy.doc.on('update', () => amySawUpdates++);

    const mallory = new RawParticipant(await connected(rawSocket(hub.url, await mintToken(people.mallory))), caseA);
    await mallory.join();
    const forged: Array<[string, ...unknown[]]> = [
      ['doc:sync', caseB, encodeSyncStep1(new Uint8Array([0]))],
      ['doc:sync', caseB, encodeUpdate(insertUpdate('FORGED '))],
      ['doc:awareness', caseB, encodeAwarenessUpdate([{ clientId: 66, clock: 1, state: { cursor: 1 } }])],
      ['presence:status', { caseId: caseB, status: 'away' }],
      ['owner:claim', { caseId: caseB }],
      ['owner:offer', { caseId: caseB, userId: 'ann' }],
      ['owner:release', { caseId: caseB }],
      ['case:resolve', { caseId: caseB }],
      ['approval:request', { caseId: caseB, kind: 'refund', summary: 'forged', amount: 5, currency: 'EUR' }],
    ];
    for (const [event, ...args] of forged) {
      const ack = await send(mallory.socket, event, ...args);
      expect({ event, ack }).toEqual({ event, ack: { ok: false, error: expect.objectContaining({ code: 'not_joined' }) } });
      expect(ack.reply).toBeUndefined();
    }
    // Mallory's own case still works on the same socket, and nothing of B leaked into it.
    expect(await mallory.edit((doc) => doc.getText('notes').insert(0, 'in A. '))).toEqual({ ok: true });
    expect(mallory.doc.getText('notes').toString()).toBe('in A. ');

    expect(amy.doc.getText('notes').toString()).toBe(bBefore);
    expect(amy.awareness.getStates().has(66)).toBe(false);
    expect(amySawUpdates).toBe(0);
    expect((await storedDocument(hub.dataDir, caseB)).getText('notes').toString()).toBe(bBefore);
    expect(await hub.approvals.forCase(caseB)).toEqual([]);
    const res = await fetch(`${hub.url}/api/cases/${caseB}`, { headers: { authorization: `Bearer ${await mintToken(people.ann)}` } });
    expect(await res.json()).toMatchObject({ case: { status: 'open' }, ownership: { owner: null } });
  });

  it('refuses a case the socket left', async () => {
    const caseId = await hub.createCase();
    const p = new RawParticipant(await connected(rawSocket(hub.url, await mintToken(people.ann))), caseId);
    await p.join();
    expect(await send(p.socket, 'case:leave', { caseId })).toEqual({ ok: true });
    expect(await send(p.socket, 'doc:sync', caseId, encodeUpdate(insertUpdate('after leaving')))).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('');
  });
});

describe('a bot token used for what only people do', () => {
  it.each([
    ['claiming the case', 'owner:claim', (caseId: string) => ({ caseId }), 'cannot_own'],
    [
      'asking for an approval',
      'approval:request',
      (caseId: string) => ({ caseId, kind: 'refund', summary: 'bot asks', amount: 5, currency: 'EUR' }),
      'forbidden',
    ],
  ])('is refused: %s', async (_what, event, body, code) => {
    const caseId = await hub.createCase();
    const bot = await connected(rawSocket(hub.url, await mintToken(people.qaBot)));
    expect(await send(bot, 'case:join', { caseId })).toMatchObject({ ok: true });
    expect(await send(bot, event, body(caseId))).toMatchObject({ ok: false, error: { code } });
  });

  it('is refused deciding an approval', async () => {
    const caseId = await hub.createCase();
    const { session: ann } = await openCaseAs(hub.url, caseId, people.ann);
    const approval = await ann.requestApproval({ kind: 'refund', summary: 'Refund the duplicate', amount: 20, currency: 'EUR' });
    const bot = await connected(rawSocket(hub.url, await mintToken(people.qaBot)));
    expect(await send(bot, 'approval:decide', { approvalId: approval.id, verdict: 'approve' })).toMatchObject({
      ok: false,
      error: { code: 'bots_cannot_decide' },
    });
    expect((await hub.approvals.forCase(caseId))[0]).toMatchObject({ status: 'pending' });
  });
});

describe('the y-websocket endpoint refuses a bad token before the upgrade', () => {
  const key = new TextEncoder().encode(testSecret);
  const claims = { sub: people.ann.userId, name: people.ann.name, role: people.ann.role, team: people.ann.team };
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['no token', async () => undefined, 'unauthenticated'],
    [
      'another secret',
      () =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('x'.repeat(32))),
      'invalid_token',
    ],
    ['alg: none', async () => new UnsecuredJWT(claims).setExpirationTime('1h').encode(), 'invalid_token'],
    ['an expired token', () => new SignJWT({ ...claims, exp: now() - 60 }).setProtectedHeader({ alg: 'HS256' }).sign(key), 'token_expired'],
  ])('%s', async (_what, token, code) => {
    const caseId = await hub.createCase();
    const value = await token();
    const refused = await refusedUpgrade(hub.url, `/yjs/${caseId}${value === undefined ? '' : `?token=${value}`}`);
    expect(refused).toEqual({ status: 401, body: { ok: false, error: { code, message: expect.any(String) } } });
  });
});

describe('event names that are Object.prototype members', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers %s with invalid_payload, and the hub keeps serving',
    async (event) => {
      const socket = await connected(rawSocket(hub.url, await mintToken(people.mallory)));
      expect(await send(socket, event, { caseId: 'x' }, 1, 2)).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload', field: 'event' },
      });
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
      expect(await send(socket, 'approval:pending', {})).toMatchObject({ ok: true });
    },
  );
});
