/**
 * A token holds for the whole life of a connection, not only at the handshake: at `exp` a
 * Socket.IO connection stops writing until a fresh token arrives in band (cases stay open), a
 * `/yjs` connection closes with 4401, and a revoked person is cut off everywhere at once, with
 * every token of theirs issued before refused from then on, after restarts too.
 */
import type { CaseClient } from '@caseroom/client';
import { encodeUpdate, type Identity } from '@caseroom/shared';
import { EventEmitter } from 'node:events';
import { SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient, openCaseAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, tempDataDir, testSecret, type TestHub } from '../helpers/hub.js';
import { ann, sam, sue } from '../helpers/people.js';
import { connected, connectError, rawSocket } from '../helpers/sockets.js';
import { storedDocument } from '../helpers/store.js';
import { nextEvent, waitFor } from '../helpers/wait.js';
import { connectProvider, providerSynced, refusedUpgrade } from '../helpers/yjs.js';

const adminToken = 'host-application-admin-token-0123456789';
const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.stop()));
});

async function hubWith(env: Record<string, string> = {}, dataDir = tempDataDir()): Promise<TestHub> {
  const hub = await startTestHub({ CASEROOM_ADMIN_TOKEN: adminToken, ...env }, dataDir);
  hubs.push(hub);
  return hub;
}

/** A token of `who` issued at `issuedAt` (seconds), valid for an hour. */
function tokenIssuedAt(who: Identity, issuedAt: number): Promise<string> {
  return new SignJWT({ name: who.name, role: who.role, team: who.team })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(who.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + 3600)
    .sign(new TextEncoder().encode(testSecret));
}

/**
 * A raw socket of `who`, in `caseId`, with a token that expires in about `seconds`, and its
 * `auth:expired`, listened for from the start (on a busy machine the token may run out early).
 */
async function joinedSocket(
  hub: TestHub,
  caseId: string,
  who: Identity,
  seconds: number,
): Promise<{ socket: Socket; expired: Promise<{ code: string }> }> {
  const socket = rawSocket(hub.url, await mintToken(who, `${seconds}s`));
  const expired = nextEvent<{ code: string }>('auth:expired', (listener) => {
    socket.on('auth:expired', listener);
    return () => socket.off('auth:expired', listener);
  });
  await connected(socket);
  const joined = await socket.emitWithAck('case:join', { caseId });
  expect(joined.ok).toBe(true);
  return { socket, expired };
}

/** An edit of the notes as one update, sent as `doc:sync`; resolves with the acknowledgement. */
function sendNotes(socket: Socket, caseId: string, text: string): Promise<{ ok: boolean; error?: { code: string } }> {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  return socket.emitWithAck('doc:sync', caseId, encodeUpdate(Y.encodeStateAsUpdate(doc)));
}

describe('a Socket.IO connection whose token expires', () => {
  it('hears auth:expired, is refused every write with token_expired, and after auth:refresh writes again in the same cases', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    const { socket, expired } = await joinedSocket(hub, caseId, ann, 3);
    expect(await sendNotes(socket, caseId, 'Before expiry. ')).toEqual({ ok: true });

    expect(await expired).toMatchObject({ code: 'token_expired' });
    for (const [event, payload] of [
      ['owner:claim', { caseId }],
      ['approval:request', { caseId, kind: 'refund', amount: 10, currency: 'EUR', reason: 'x' }],
      ['case:join', { caseId }],
      ['events:subscribe', { cases: [caseId] }],
    ] as const)
      expect(await socket.emitWithAck(event, payload), event).toMatchObject({ ok: false, error: { code: 'token_expired' } });
    expect(await sendNotes(socket, caseId, 'While expired. ')).toMatchObject({ ok: false, error: { code: 'token_expired' } });

    const someoneElse = await socket.emitWithAck('auth:refresh', { token: await mintToken(sam) });
    expect(someoneElse).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await socket.emitWithAck('auth:refresh', { token: 'not.a.token' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_token' },
    });
    expect(await sendNotes(socket, caseId, 'Still expired. ')).toMatchObject({ ok: false, error: { code: 'token_expired' } });

    const refreshed = await socket.emitWithAck('auth:refresh', { token: await mintToken(ann) });
    expect(refreshed).toMatchObject({ ok: true, expiresInMs: expect.any(Number) });
    // No rejoin: the case is still open on this socket.
    expect(await sendNotes(socket, caseId, 'After refresh.')).toEqual({ ok: true });
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).not.toContain('expired');
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toContain('After refresh.');
  });

  it('is closed when no fresh token comes within CASEROOM_TOKEN_GRACE_MS', async () => {
    const hub = await hubWith({ CASEROOM_TOKEN_GRACE_MS: '200' });
    const caseId = await hub.createCase();
    const { socket, expired } = await joinedSocket(hub, caseId, ann, 2);
    const disconnected = nextEvent<string>('the disconnect', (listener) => {
      socket.on('disconnect', listener);
      return () => socket.off('disconnect', listener);
    });
    await expired;
    expect(await disconnected).toBe('io server disconnect');
  });

  it('tells a new connection when its token expires', async () => {
    const hub = await hubWith();
    const socket = rawSocket(hub.url, await mintToken(ann, '1h'));
    const told = nextEvent<{ expiresInMs: number }>('auth:expires', (listener) => {
      socket.on('auth:expires', listener);
      return () => socket.off('auth:expires', listener);
    });
    const { expiresInMs } = await told;
    expect(expiresInMs).toBeGreaterThan(3_500_000);
    expect(expiresInMs).toBeLessThanOrEqual(3_600_000);
  });
});

describe('the SDK with a token function', () => {
  it('refreshes ahead of expiry, in band: edits keep being stored and no case is rejoined', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    let issued = 0;
    const minted = new EventEmitter();
    const client = connectClient(hub.url, '', {
      token: () => {
        issued++;
        minted.emit('token');
        return mintToken(ann, '2s');
      },
    });
    const session = client.openCase(caseId);
    await session.synced;
    let rejoins = 0;
    session.on('status', (status) => status === 'connecting' && rejoins++);
    const errors: string[] = [];
    client.on('error', (err) => errors.push(err.code));
    for (let i = 0; i < 3; i++) {
      await waitFor(
        `token ${i + 2}`,
        (check) => {
          minted.on('token', check);
          return () => minted.off('token', check);
        },
        () => issued >= i + 2 || undefined,
      );
      session.notes.insert(session.notes.length, `[${i}]`);
      await session.flushed();
    }
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('[0][1][2]');
    expect(rejoins).toBe(0);
    expect(errors).toEqual([]);
    expect(client.status).toBe('connected');
  });

  it('does not refresh a token that lives longer than a timer can wait (30 days)', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    let issued = 0;
    const client = connectClient(hub.url, '', {
      token: () => {
        issued++;
        return mintToken(ann, '30d');
      },
    });
    const told = nextEvent('auth:expires', (listener) => {
      client.socket.on('auth:expires', listener);
      return () => client.socket.off('auth:expires', listener);
    });
    const session = client.openCase(caseId);
    await session.synced;
    await told;
    // A round trip after the hub said how long the token lasts: a refresh would have gone by now.
    session.notes.insert(0, 'x');
    await session.flushed();
    expect(issued).toBe(1);
  });

  it('sends again, once refreshed, an edit and a claim the hub refused while the token was expired', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const client: CaseClient = connectClient(hub.url, '', {
      // The first token lives two seconds; the refresh waits until the hub has said it expired.
      token: async () => {
        if (calls++ === 0) return mintToken(ann, '2s');
        await held;
        return mintToken(ann, '1h');
      },
    });
    const expiredAtHub = nextEvent('auth:expired', (listener) => {
      client.socket.on('auth:expired', listener);
      return () => client.socket.off('auth:expired', listener);
    });
    const session = client.openCase(caseId);
    await session.synced;
    await expiredAtHub;
    const refusals: string[] = [];
    session.on('error', (err) => refusals.push(err.code));
    session.notes.insert(0, 'Typed while expired.');
    const claimed = session.claim();
    await waitFor(
      'the edit to be refused',
      (check) => session.on('error', check),
      () => refusals.includes('token_expired') || undefined,
    );
    release();
    expect((await claimed).owner?.userId).toBe('ann');
    await session.flushed();
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('Typed while expired.');
  });

  it('goes offline with token_expired when it has no way to a fresh token, keeping what was typed', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    const client = connectClient(hub.url, await mintToken(ann, '2s'));
    const failed = nextEvent<{ code: string }>('the client error', (listener) => client.on('error', listener));
    const session = client.openCase(caseId);
    await session.synced;
    expect(await failed).toMatchObject({ code: 'token_expired' });
    await waitFor(
      'the client to go offline',
      (check) => client.on('status', check),
      () => client.status === 'offline' || undefined,
    );
    session.notes.insert(0, 'Kept locally.');
    expect(session.notes.toString()).toBe('Kept locally.');
  });
});

describe('a /yjs connection whose token expires', () => {
  it('is closed with 4401, which a provider takes as final', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    const provider = connectProvider(hub.url, caseId, await mintToken(ann, '2s'));
    const closing = nextEvent<{ code: number; reason: string }>('the provider to be closed', (listener) => {
      provider.on('closed', listener);
      return () => provider.off('closed', listener);
    });
    await providerSynced(provider);
    const closed = await closing;
    expect(closed).toEqual({ code: 4401, reason: expect.stringMatching(/^token_expired/) });
    expect(provider.shouldConnect).toBe(false);
  });
});

describe('revoking a person', () => {
  it('closes their Socket.IO and /yjs connections and refuses every token issued before, everywhere', async () => {
    const hub = await hubWith();
    const caseId = await hub.createCase();
    const { client } = await openCaseAs(hub.url, caseId, ann);
    const provider = connectProvider(hub.url, caseId, await mintToken(ann));
    await providerSynced(provider);
    const oldToken = await mintToken(ann);
    const samSession = (await openCaseAs(hub.url, caseId, sam)).session;

    const revokedError = nextEvent<{ code: string }>('ann to hear she was revoked', (listener) => client.on('error', listener));
    const providerClosed = nextEvent<{ code: number }>('ann’s provider to close', (listener) => {
      provider.on('closed', listener);
      return () => provider.off('closed', listener);
    });
    const byAgent = await api(hub.url, '/api/users/ann/revoke', { method: 'POST', token: await mintToken(sam) });
    expect(byAgent).toMatchObject({ status: 403, body: { error: { code: 'supervisor_only' } } });
    const revoked = await api(hub.url, '/api/users/ann/revoke', { method: 'POST', token: await mintToken(sue) });
    expect(revoked).toMatchObject({ status: 200, body: { ok: true, userId: 'ann', revokedAt: expect.any(String) } });

    expect(await revokedError).toMatchObject({ code: 'token_revoked' });
    expect((await providerClosed).code).toBe(4402);
    expect(client.status).toBe('refused');
    expect(await api(hub.url, '/api/me', { token: oldToken })).toMatchObject({ status: 401, body: { error: { code: 'token_revoked' } } });
    expect((await connectError(rawSocket(hub.url, oldToken))).data?.code).toBe('token_revoked');
    expect(await refusedUpgrade(hub.url, `/yjs/${caseId}?token=${oldToken}`)).toMatchObject({
      status: 401,
      body: { error: { code: 'token_revoked' } },
    });
    // Others are untouched; a token issued after the revocation works.
    samSession.notes.insert(0, 'Sam goes on.');
    await samSession.flushed();
    const after = Math.floor(Date.parse(revoked.body.revokedAt) / 1000) + 1;
    expect(await api(hub.url, '/api/me', { token: await tokenIssuedAt(ann, after) })).toMatchObject({ status: 200 });
  });

  it('holds after a restart, can be done by the host application, and is recorded in the team feed', async () => {
    const dataDir = tempDataDir();
    const hub = await hubWith({}, dataDir);
    const oldToken = await mintToken(ann);
    // Signing in over a socket makes ann known to the hub, with her team.
    (await connected(rawSocket(hub.url, oldToken))).disconnect();
    const wrongAdmin = await api(hub.url, '/api/users/ann/revoke', { method: 'POST', token: `${adminToken}x` });
    expect(wrongAdmin.status).toBe(401);
    const revoked = await api(hub.url, '/api/users/ann/revoke', { method: 'POST', token: adminToken });
    expect(revoked.status).toBe(200);

    await hub.stop({ keepData: true });
    hubs.splice(hubs.indexOf(hub), 1);
    const again = await hubWith({}, dataDir);
    expect(await api(again.url, '/api/me', { token: oldToken })).toMatchObject({ status: 401, body: { error: { code: 'token_revoked' } } });
    const feed = await again.store.events.read({ team: 'billing', types: ['person.revoked'], limit: 10 });
    expect(feed).toEqual([
      expect.objectContaining({
        caseId: 'team:billing',
        type: 'person.revoked',
        actor: expect.objectContaining({ userId: 'host-application' }),
        data: { userId: 'ann', revokedAt: revoked.body.revokedAt },
      }),
    ]);
  });

  it('answers a malformed user id or a missing token with a 4xx', async () => {
    const hub = await hubWith();
    expect((await api(hub.url, '/api/users/ann/revoke', { method: 'POST' })).status).toBe(401);
    expect((await api(hub.url, `/api/users/${'x'.repeat(201)}/revoke`, { method: 'POST', token: await mintToken(sue) })).status).toBe(400);
  });
});
