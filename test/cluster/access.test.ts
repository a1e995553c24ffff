/**
 * Access across nodes: a revocation made on one node cuts the person's connections on every other
 * node and refuses their old tokens there, and a token expiring on one node is refreshed in band
 * there, whatever node the person signed in on.
 */
import { describe, expect, it } from 'vitest';
import { openCaseAs } from '../helpers/clients.js';
import { startCluster, startRedis } from '../helpers/cluster.js';
import { api } from '../helpers/http.js';
import { createCaseOver, mintToken } from '../helpers/hub.js';
import { ann, sue } from '../helpers/people.js';
import { connected, connectError, rawSocket } from '../helpers/sockets.js';
import { nextEvent } from '../helpers/wait.js';
import { connectProvider, providerSynced } from '../helpers/yjs.js';

describe('access across hub nodes', () => {
  it('cuts a connection on node two when node one revokes its person, and node two refuses the old token', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const caseId = await createCaseOver(one.url);
    const oldToken = await mintToken(ann);
    const { client } = await openCaseAs(two.url, caseId, ann);
    const provider = connectProvider(two.url, caseId, oldToken);
    await providerSynced(provider);
    const revoked = nextEvent<{ code: string }>('ann on node two to hear she was revoked', (listener) => client.on('error', listener));
    const providerClosed = nextEvent<{ code: number }>('ann’s provider on node two to close', (listener) => {
      provider.on('closed', listener);
      return () => provider.off('closed', listener);
    });

    const answer = await api(one.url, '/api/users/ann/revoke', { method: 'POST', token: await mintToken(sue) });
    expect(answer.status).toBe(200);

    expect(await revoked).toMatchObject({ code: 'token_revoked' });
    expect((await providerClosed).code).toBe(4402);
    expect(await api(two.url, '/api/me', { token: oldToken })).toMatchObject({ status: 401, body: { error: { code: 'token_revoked' } } });
    expect((await connectError(rawSocket(two.url, oldToken))).data?.code).toBe('token_revoked');
  });

  it('expires a connection on node two at its token’s exp and takes a fresh token there in band', async () => {
    const redis = await startRedis();
    const cluster = await startCluster(2, redis.url);
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const caseId = await createCaseOver(one.url);
    const socket = rawSocket(two.url, await mintToken(ann, '3s'));
    // Listened for from the start: on a busy machine the token may run out before the join is answered.
    const expired = nextEvent('auth:expired', (listener) => {
      socket.on('auth:expired', listener);
      return () => socket.off('auth:expired', listener);
    });
    await connected(socket);
    expect(await socket.emitWithAck('case:join', { caseId })).toMatchObject({ ok: true });
    await expired;
    expect(await socket.emitWithAck('owner:claim', { caseId })).toMatchObject({ ok: false, error: { code: 'token_expired' } });
    expect(await socket.emitWithAck('auth:refresh', { token: await mintToken(ann) })).toMatchObject({ ok: true });
    expect(await socket.emitWithAck('owner:claim', { caseId })).toMatchObject({ ok: true, ownership: { owner: { userId: 'ann' } } });
  });
});
