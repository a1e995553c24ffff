import type { CaseroomError } from '@caseroom/client';
import { Tokens } from '@caseroom/server';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, testSecret, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { connected, connectError, rawSocket } from '../helpers/sockets.js';
import { nextEvent } from '../helpers/wait.js';

const key = new TextEncoder().encode(testSecret);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
/** Ann's claims but the subject, which each token below sets or leaves out. */
const ann = { name: people.ann.name, role: people.ann.role, team: people.ann.team };

/** Signs `claims` with the test secret exactly as given: no defaults added. */
function sign(claims: JWTPayload, header: { alg: string } = { alg: 'HS256' }, secret: Uint8Array = key): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(secret);
}

let hub: TestHub;
let caseId: string;

beforeAll(async () => {
  hub = await startTestHub();
  caseId = await hub.createCase();
});
afterAll(() => hub.stop());

/** Every way a token can be wrong, and the code the hub must answer with. */
const refusals: Array<[what: string, token: () => Promise<string | undefined>, code: string]> = [
  ['no token at all', async () => undefined, 'unauthenticated'],
  ['an empty token', async () => '', 'unauthenticated'],
  ['a token that is not a JWT', async () => 'not-a-jwt', 'invalid_token'],
  ['a token signed with another secret', () => new Tokens({ secret: 'some-other-secret-0123456789' }).mint(people.ann), 'invalid_token'],
  ['an expired token', () => sign({ sub: 'ann', ...ann, iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }), 'token_expired'],
  ['an unsigned token (alg: none)', async () => new UnsecuredJWT({ sub: 'ann', ...ann }).setExpirationTime('1h').encode(), 'invalid_token'],
  [
    'a token signed with another algorithm (HS512)',
    () => sign({ sub: 'ann', ...ann, exp: nowSeconds() + 3600 }, { alg: 'HS512' }),
    'invalid_token',
  ],
  ['a token without a subject', () => sign({ ...ann, exp: nowSeconds() + 3600 }), 'invalid_token'],
  ['a token without a team', () => sign({ sub: 'ann', name: ann.name, role: ann.role, exp: nowSeconds() + 3600 }), 'invalid_token'],
  ['a token with an unknown role', () => sign({ sub: 'ann', ...ann, role: 'admin', exp: nowSeconds() + 3600 }), 'invalid_token'],
];

describe('the HTTP API refuses a bad token', () => {
  it.each(refusals)('%s', async (_what, token, code) => {
    const bearer = await token();
    const res = await api(hub.url, `/api/cases/${caseId}`, bearer === undefined ? {} : { token: bearer });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const res = await fetch(`${hub.url}/api/cases`, { headers: { authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('accepts a good token signed the same way', async () => {
    const res = await api(hub.url, `/api/cases/${caseId}`, { token: await sign({ sub: 'ann', ...ann, exp: nowSeconds() + 3600 }) });
    expect(res.status).toBe(200);
    expect(res.body.case.id).toBe(caseId);
  });
});

describe('the Socket.IO hub refuses a bad token', () => {
  it.each(refusals)('%s', async (_what, token, code) => {
    const err = await connectError(rawSocket(hub.url, await token()));
    expect(err.data).toEqual({ code, message: expect.any(String) });
  });

  it('accepts a good token signed the same way', async () => {
    const socket = await connected(rawSocket(hub.url, await sign({ sub: 'ann', ...ann, exp: nowSeconds() + 3600 })));
    const joined = await socket.emitWithAck('case:join', { caseId });
    expect(joined).toMatchObject({ ok: true, case: { id: caseId } });
  });
});

describe('the SDK reports a refused token', () => {
  it.each([
    ['an expired token', () => sign({ sub: 'ann', ...ann, exp: nowSeconds() - 60 }), 'token_expired'],
    ['a token signed with another secret', () => new Tokens({ secret: 'some-other-secret-0123456789' }).mint(people.ann), 'invalid_token'],
    ['an empty token', async () => '', 'unauthenticated'],
  ])('emits error and rejects the session for %s', async (_what, token, code) => {
    const client = connectClient(hub.url, await token());
    const session = client.openCase(caseId);
    const error = await nextEvent<CaseroomError>('the client error', (listener) => client.on('error', listener));
    expect(error.code).toBe(code);
    await expect(session.synced).rejects.toMatchObject({ code });
    expect(client.status).toBe('refused');
    expect(session.status).toBe('closed');
  });
});

describe('a hub with a configured issuer and audience', () => {
  const issuer = 'https://id.example.com';
  const audience = 'caseroom';
  let strict: TestHub;

  beforeAll(async () => {
    strict = await startTestHub({ CASEROOM_JWT_ISSUER: issuer, CASEROOM_JWT_AUDIENCE: audience });
  });
  afterAll(() => strict.stop());

  const claims = { sub: 'ann', ...ann, exp: nowSeconds() + 3600 };

  it('accepts a token that names both', async () => {
    const token = await new Tokens({ secret: testSecret, issuer, audience }).mint(people.ann);
    expect((await api(strict.url, '/api/cases', { token })).status).toBe(200);
    await connected(rawSocket(strict.url, token));
  });

  it.each([
    ['a token without issuer or audience', () => mintToken(people.ann)],
    ['a token from another issuer', () => sign({ ...claims, iss: 'https://evil.example.com', aud: audience })],
    ['a token for another audience', () => sign({ ...claims, iss: issuer, aud: 'someone-else' })],
    ['a token without an audience', () => sign({ ...claims, iss: issuer })],
  ])('refuses %s over HTTP and Socket.IO', async (_what, token) => {
    const bearer = await token();
    const res = await api(strict.url, '/api/cases', { token: bearer });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    const err = await connectError(rawSocket(strict.url, bearer));
    expect(err.data?.code).toBe('invalid_token');
  });
});
