import { rmSync } from 'node:fs';
import { createLogger, loadConfig, startHub, type Hub } from '@caseroom/server';
import { exportSPKI, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forgetRedisKeys, mintToken, redisEnv, startTestHub, tempDataDir, testSecret, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { api, type ApiResponse } from '../helpers/http.js';
import { signingKey, signWith, startIdentityProvider, type SigningKey, type TestIdentityProvider } from '../helpers/identityProvider.js';
import { connectClient } from '../helpers/clients.js';
import { connected, connectError, rawSocket } from '../helpers/sockets.js';
import { nextEvent, pollUntil, waitFor } from '../helpers/wait.js';
import { connectProvider, providerSynced, refusedUpgrade } from '../helpers/yjs.js';

const ann = { sub: 'ann', name: 'Ann Agent', role: 'agent', team: 'billing' };
const sue = { sub: 'sue', name: 'Sue Supervisor', role: 'supervisor', team: 'billing' };
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Creates a billing case as Sue, with a token `key` signs. */
async function createCase(hub: { url: string }, key: SigningKey): Promise<string> {
  const res = await api(hub.url, '/api/cases', { token: await signWith(key, sue), body: { subject: 'Parcel never arrived' } });
  expect(res.status).toBe(201);
  return res.body.case.id as string;
}

const me = (hub: { url: string }, token: string): Promise<ApiResponse> => api(hub.url, '/api/me', { token });

describe("a hub that trusts an identity provider's published keys", () => {
  let idp: TestIdentityProvider;
  let hub: TestHub;
  let keys: Record<'rs256' | 'rs256b' | 'es256' | 'ps256' | 'eddsa' | 'rs512', SigningKey>;
  let caseId: string;

  beforeAll(async () => {
    keys = {
      rs256: await signingKey('RS256'),
      rs256b: await signingKey('RS256'),
      es256: await signingKey('ES256'),
      ps256: await signingKey('PS256'),
      eddsa: await signingKey('EdDSA'),
      rs512: await signingKey('RS512'),
    };
    idp = await startIdentityProvider(...Object.values(keys));
    hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl });
    caseId = await createCase(hub, keys.rs256);
  });
  afterAll(async () => {
    await hub.stop();
    await idp.stop();
  });

  it.each(['rs256', 'es256', 'ps256', 'eddsa'] as const)('accepts a %s token over HTTP and reads who it speaks for', async (which) => {
    const res = await me(hub, await signWith(keys[which], ann));
    expect(res.status).toBe(200);
    expect(res.body.identity).toEqual({ userId: 'ann', name: 'Ann Agent', role: 'agent', team: 'billing' });
  });

  it.each(['rs256', 'es256'] as const)('accepts a %s token at the Socket.IO handshake and lets it join a case', async (which) => {
    const socket = await connected(rawSocket(hub.url, await signWith(keys[which], ann)));
    expect(await socket.emitWithAck('case:join', { caseId })).toMatchObject({ ok: true, case: { id: caseId } });
  });

  it.each(['rs256', 'es256'] as const)('accepts a %s token at the /yjs upgrade, where a stock provider syncs', async (which) => {
    const provider = connectProvider(hub.url, caseId, await signWith(keys[which], ann));
    expect(await providerSynced(provider)).toBe(true);
  });

  it('checks a token without a key id against every published key of its type', async () => {
    expect((await me(hub, await signWith(keys.rs256b, ann, { kid: null }))).status).toBe(200);
    const stranger = await signingKey('RS256');
    expect((await me(hub, await signWith(stranger, ann, { kid: null }))).body.error.code).toBe('invalid_token');
  });

  /** Tokens the hub must refuse, and the code it must refuse them with. */
  const refusals: Array<[what: string, token: () => Promise<string>, code: string]> = [
    ['an unsigned token (alg: none)', async () => new UnsecuredJWT(ann).setExpirationTime('1h').encode(), 'invalid_token'],
    [
      "an HS256 token keyed with the published key's PEM",
      async () =>
        new SignJWT(ann)
          .setProtectedHeader({ alg: 'HS256', kid: keys.rs256.kid })
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(await exportSPKI(keys.rs256.publicKey))),
      'invalid_token',
    ],
    [
      "an HS256 token keyed with the published JWK's JSON",
      async () =>
        new SignJWT(ann)
          .setProtectedHeader({ alg: 'HS256', kid: keys.rs256.kid })
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(JSON.stringify(keys.rs256.jwk))),
      'invalid_token',
    ],
    ['an expired token', () => signWith(keys.rs256, ann, { expiresIn: nowSeconds() - 60 }), 'token_expired'],
    [
      "a token signed with another key under a published key's id",
      async () => signWith({ ...(await signingKey('RS256')), kid: keys.rs256.kid }, ann),
      'invalid_token',
    ],
    ['a token naming a key id nobody published', async () => signWith(await signingKey('RS256'), ann), 'invalid_token'],
    [
      'a token signed with a published key but an algorithm the hub does not accept (RS512)',
      () => signWith(keys.rs512, ann),
      'invalid_token',
    ],
    ['a token whose role is no caseroom role', () => signWith(keys.rs256, { ...ann, role: 'admin' }), 'invalid_token'],
  ];

  it.each(refusals)('refuses %s over HTTP, at the Socket.IO handshake and at the /yjs upgrade', async (_what, token, code) => {
    const bearer = await token();
    const res = await me(hub, bearer);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ ok: false, error: { code, message: expect.any(String) } });
    expect((await connectError(rawSocket(hub.url, bearer))).data?.code).toBe(code);
    const upgrade = await refusedUpgrade(hub.url, `/yjs/${caseId}?token=${encodeURIComponent(bearer)}`);
    expect(upgrade).toEqual({ status: 401, body: { ok: false, error: { code, message: expect.any(String) } } });
  });

  it('names the claim in a refusal for a role that is no caseroom role', async () => {
    const res = await me(hub, await signWith(keys.rs256, { ...ann, role: 'admin' }));
    expect(res.body.error.message).toContain('(role)');
  });

  it('still accepts shared-secret tokens while the development login is on', async () => {
    expect((await me(hub, await mintToken(people.ann))).status).toBe(200);
    const login = await api(hub.url, '/api/dev/login', { body: { name: 'Dev Dan', role: 'agent', team: 'billing' } });
    expect(login.status).toBe(200);
    expect((await me(hub, login.body.token)).body.identity).toMatchObject({ name: 'Dev Dan' });
  });
});

describe('a hub with an identity provider and the development login off', () => {
  let idp: TestIdentityProvider;
  let hub: TestHub;
  let key: SigningKey;

  beforeAll(async () => {
    key = await signingKey('RS256');
    idp = await startIdentityProvider(key);
    hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl, CASEROOM_DEV_LOGIN: 'off' });
  });
  afterAll(async () => {
    await hub.stop();
    await idp.stop();
  });

  it("accepts the provider's tokens", async () => {
    expect((await me(hub, await signWith(key, ann))).status).toBe(200);
  });

  it('refuses tokens signed with the shared secret, and has no development login', async () => {
    const token = await mintToken(people.ann);
    expect(await me(hub, token)).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } });
    expect((await connectError(rawSocket(hub.url, token))).data?.code).toBe('invalid_token');
    const login = await api(hub.url, '/api/dev/login', { body: { name: 'Dev Dan', role: 'agent', team: 'billing' } });
    expect(login).toMatchObject({ status: 404, body: { error: { code: 'dev_login_disabled' } } });
  });
});

describe('a hub with an identity provider, an issuer and an audience', () => {
  let idp: TestIdentityProvider;
  let hub: TestHub;
  let key: SigningKey;

  beforeAll(async () => {
    key = await signingKey('ES256');
    idp = await startIdentityProvider(key);
    hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl, CASEROOM_JWT_ISSUER: idp.issuer, CASEROOM_JWT_AUDIENCE: 'caseroom' });
  });
  afterAll(async () => {
    await hub.stop();
    await idp.stop();
  });

  it('accepts a token that names both', async () => {
    expect((await me(hub, await signWith(key, { ...ann, iss: idp.issuer, aud: 'caseroom' }))).status).toBe(200);
  });

  it.each([
    ['another audience (an application next to caseroom)', (): JWTPayload => ({ iss: idp.issuer, aud: 'billing-portal' })],
    ['no audience', (): JWTPayload => ({ iss: idp.issuer })],
    ['another issuer', (): JWTPayload => ({ iss: 'https://evil.example.com', aud: 'caseroom' })],
  ])('refuses a token for %s, though the provider signed it', async (_what, claims) => {
    const token = await signWith(key, { ...ann, ...claims() });
    expect(await me(hub, token)).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } });
  });
});

describe('key rotation', () => {
  /** Each test's provider and hub, stopped after it (the hub first). */
  const running: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const resource of running.splice(0).reverse()) await resource.stop();
  });

  async function providerAndHub(key: SigningKey, env: Record<string, string>): Promise<{ idp: TestIdentityProvider; hub: TestHub }> {
    const idp = await startIdentityProvider(key);
    running.push(idp);
    const hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl, ...env });
    running.push(hub);
    return { idp, hub };
  }

  it('accepts a new key after one fetch of the key set, and refuses the key the provider removed', async () => {
    const before = await signingKey('RS256');
    const after = await signingKey('RS256');
    const { idp, hub } = await providerAndHub(before, { CASEROOM_JWKS_COOLDOWN_MS: '0' });

    expect((await me(hub, await signWith(before, ann))).status).toBe(200);
    expect(idp.fetches).toHaveLength(1);

    idp.publish(after);
    // Until the hub fetches again, it knows no better than its cache.
    expect((await me(hub, await signWith(before, ann))).status).toBe(200);
    expect(idp.fetches).toHaveLength(1);

    const res = await me(hub, await signWith(after, sue));
    expect(res.status).toBe(200);
    expect(res.body.identity).toMatchObject({ userId: 'sue', role: 'supervisor' });
    expect(idp.fetches).toHaveLength(2);
    expect(await me(hub, await signWith(before, ann))).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } });
    await connected(rawSocket(hub.url, await signWith(after, ann)));
  });

  it('fetches the key set again once its cache age has passed, dropping a removed key without any unknown key id', async () => {
    const before = await signingKey('ES256');
    const after = await signingKey('ES256');
    const { idp, hub } = await providerAndHub(before, { CASEROOM_JWKS_CACHE_MAX_AGE_MS: '500', CASEROOM_JWKS_COOLDOWN_MS: '60000' });

    expect((await me(hub, await signWith(before, ann))).status).toBe(200);
    idp.publish(after);
    // Polled: what changes the answer is the cache ageing, which nothing announces.
    const refused = await pollUntil(
      'the removed key to be refused',
      async () => {
        const res = await me(hub, await signWith(before, ann));
        return res.status !== 200 && res;
      },
      25,
    );
    expect(refused.body.error.code).toBe('invalid_token');
    expect(idp.fetches).toHaveLength(2);
    expect(idp.fetches[1]! - idp.fetches[0]!).toBeGreaterThanOrEqual(500);
    expect((await me(hub, await signWith(after, ann))).status).toBe(200);
    expect(idp.fetches).toHaveLength(2);
  });
});

describe('tokens naming key ids the hub does not know', () => {
  const cooldownMs = 1500;
  let idp: TestIdentityProvider;
  let hub: TestHub;

  beforeAll(async () => {
    idp = await startIdentityProvider();
    hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl, CASEROOM_JWKS_COOLDOWN_MS: String(cooldownMs) });
  });
  afterAll(async () => {
    await hub.stop();
    await idp.stop();
  });

  it('make the hub fetch the key set at most once per cooldown', async () => {
    const known = await signingKey('RS256');
    const late = await signingKey('RS256');
    idp.publish(known);
    const strangers = await Promise.all(Array.from({ length: 10 }, () => signingKey('ES256')));

    // A burst on a hub that has never fetched: one fetch serves them all.
    const burst = await Promise.all([
      me(hub, await signWith(known, ann)),
      ...(await Promise.all(strangers.map((key) => signWith(key, ann)))).map((token) => me(hub, token)),
    ]);
    expect(burst.map((res) => res.status)).toEqual([200, ...strangers.map(() => 401)]);
    expect(idp.fetches).toHaveLength(1);

    // Within the cooldown not even a key the provider has since published is fetched.
    idp.publish(known, late);
    for (const key of strangers) expect((await me(hub, await signWith(key, ann))).status).toBe(401);
    expect(await me(hub, await signWith(late, ann))).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } });
    expect(idp.fetches).toHaveLength(1);

    // Once it has passed, the next unknown key id fetches once more, and the late key is found.
    const lateToken = await signWith(late, ann);
    // Polled: what changes the answer is the cooldown passing, which nothing announces.
    await pollUntil('the late key to be accepted', async () => (await me(hub, lateToken)).status === 200, 25);
    expect(idp.fetches).toHaveLength(2);
    expect(idp.fetches[1]! - idp.fetches[0]!).toBeGreaterThanOrEqual(cooldownMs);
  });
});

describe('claims named by configuration', () => {
  let idp: TestIdentityProvider;
  let hub: TestHub;
  let key: SigningKey;
  const department = 'https://caseroom.example.com/department';

  /** What Keycloak puts in an access token, with a group mapper and a namespaced attribute. */
  const keycloakToken = (roles: unknown, extra: JWTPayload = {}): Promise<string> =>
    signWith(key, {
      sub: 'sam',
      preferred_username: 'Sam',
      realm_access: { roles },
      groups: ['billing'],
      [department]: 'Shipping',
      ...extra,
    });

  beforeAll(async () => {
    key = await signingKey('RS256');
    idp = await startIdentityProvider(key);
    hub = await startTestHub({
      CASEROOM_JWKS_URL: idp.jwksUrl,
      CASEROOM_CLAIM_ROLE: 'realm_access.roles',
      CASEROOM_CLAIM_TEAM: 'groups',
      CASEROOM_CLAIM_NAME: 'preferred_username',
      CASEROOM_CLAIM_DEPARTMENT: department,
      CASEROOM_ROLE_MAP: 'support-agent:agent,tier2:specialist',
    });
  });
  afterAll(async () => {
    await hub.stop();
    await idp.stop();
  });

  it('reads the role from a nested list through the role map, the team from a one-group list, and the department', async () => {
    const res = await me(hub, await keycloakToken(['offline_access', 'uma_authorization', 'support-agent']));
    expect(res.status).toBe(200);
    expect(res.body.identity).toEqual({ userId: 'sam', name: 'Sam', role: 'agent', team: 'billing', department: 'Shipping' });
  });

  it('takes the role that allows the most when the list holds several', async () => {
    const res = await me(hub, await keycloakToken(['support-agent', 'supervisor', 'tier2']));
    expect(res.body.identity.role).toBe('supervisor');
  });

  it('reads a role given as one text', async () => {
    expect((await me(hub, await keycloakToken('tier2'))).body.identity.role).toBe('specialist');
  });

  it('leaves the department out when the token has none', async () => {
    const res = await me(hub, await keycloakToken(['support-agent'], { [department]: undefined }));
    expect(res.status).toBe(200);
    expect(res.body.identity).not.toHaveProperty('department');
  });

  it.each([
    ['a role list with no caseroom role', () => keycloakToken(['offline_access', 'admin']), 'realm_access.roles'],
    [
      'a role under the default claim name only',
      () => signWith(key, { ...ann, preferred_username: 'Ann', groups: ['billing'] }),
      'realm_access.roles',
    ],
    ['two teams', () => keycloakToken(['support-agent'], { groups: ['billing', 'shipping'] }), 'groups'],
    ['no name', () => keycloakToken(['support-agent'], { preferred_username: undefined }), 'preferred_username'],
    ['a department that is not text', () => keycloakToken(['support-agent'], { [department]: { name: 'Shipping' } }), department],
  ])('refuses %s with invalid_token, naming the claim', async (_what, token, claim) => {
    const res = await me(hub, await token());
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'invalid_token', message: expect.stringContaining(claim) });
  });

  it("accepts the provider's tokens at the Socket.IO handshake, as the person they name", async () => {
    const created = await api(hub.url, '/api/cases', { token: await keycloakToken(['supervisor']), body: { subject: 'Wrong size' } });
    expect(created).toMatchObject({ status: 201, body: { case: { team: 'billing' } } });
    const socket = await connected(rawSocket(hub.url, await keycloakToken(['support-agent'])));
    expect(await socket.emitWithAck('case:join', { caseId: created.body.case.id })).toMatchObject({ ok: true });
  });

  it('mints development-login tokens under the configured claim names', async () => {
    const login = await api(hub.url, '/api/dev/login', { body: { name: 'Dev Dan', role: 'specialist', team: 'billing' } });
    const res = await me(hub, login.body.token);
    expect(res.status).toBe(200);
    expect(res.body.identity).toMatchObject({ name: 'Dev Dan', role: 'specialist', team: 'billing' });
  });
});

describe('when the identity provider cannot be reached', () => {
  let idp: TestIdentityProvider;
  let hub: Hub;
  let key: SigningKey;
  const logged: Array<{ level: number; msg: string; jwks?: string }> = [];
  const dataDir = tempDataDir();

  beforeAll(async () => {
    key = await signingKey('RS256');
    idp = await startIdentityProvider(key);
    const config = loadConfig({
      ...redisEnv(dataDir),
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CASEROOM_JWT_SECRET: testSecret,
      CASEROOM_JWKS_URL: idp.jwksUrl,
      CASEROOM_JWKS_COOLDOWN_MS: '0',
      CASEROOM_JWKS_TIMEOUT_MS: '300',
    });
    const log = createLogger('warn', { write: (line: string) => void logged.push(JSON.parse(line)) });
    hub = await startHub(config, { log });
  });
  afterAll(async () => {
    await hub.close();
    await idp.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await forgetRedisKeys(dataDir);
  });

  const unavailable = { ok: false, error: { code: 'identity_unavailable', message: expect.any(String) } };

  it.each([
    ['answers 500', 'server-error'],
    ['answers with something that is not a key set', 'garbage'],
    ['does not answer in time', 'hang'],
  ] as const)('refuses a good token with identity_unavailable (503) while the provider %s, and logs a warning', async (_what, answer) => {
    idp.answer = answer;
    const token = await signWith(key, ann);
    const warnings = logged.length;
    expect(await me(hub, token)).toEqual({ status: 503, body: unavailable });
    expect(logged.slice(warnings)).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringContaining('identity provider'), jwks: idp.jwksUrl }),
    );
    expect((await connectError(rawSocket(hub.url, token))).data?.code).toBe('identity_unavailable');
    expect(await refusedUpgrade(hub.url, `/yjs/case-1?token=${encodeURIComponent(token)}`)).toEqual({ status: 503, body: unavailable });
    expect((await api(hub.url, '/healthz')).status).toBe(200);
  });

  it('accepts the token as soon as the provider answers again, and keeps using its keys while it is down', async () => {
    idp.answer = 'keys';
    const token = await signWith(key, ann);
    expect((await me(hub, token)).status).toBe(200);
    idp.answer = 'server-error';
    const fetches = idp.fetches.length;
    expect((await me(hub, await signWith(key, sue))).status).toBe(200);
    expect(idp.fetches).toHaveLength(fetches);
    // A key id it does not know cannot be checked now: that is not the token's fault.
    const unknown = await signWith(await signingKey('RS256'), ann);
    expect(await me(hub, unknown)).toEqual({ status: 503, body: unavailable });
  });
});

describe('a provider whose key set fetch failed', () => {
  let idp: TestIdentityProvider;
  let hub: TestHub;

  beforeAll(async () => {
    idp = await startIdentityProvider(await signingKey('RS256'));
    hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl, CASEROOM_JWKS_COOLDOWN_MS: '60000' });
  });
  afterAll(async () => {
    await hub.stop();
    await idp.stop();
  });

  it('is not asked again within the cooldown, however many tokens arrive', async () => {
    idp.answer = 'server-error';
    const key = await signingKey('RS256');
    for (let i = 0; i < 5; i++) expect((await me(hub, await signWith(key, ann))).status).toBe(503);
    expect((await connectError(rawSocket(hub.url, await signWith(key, ann)))).data?.code).toBe('identity_unavailable');
    expect(idp.fetches).toHaveLength(1);
    // The price of sparing the provider: its recovery is seen only once the cooldown has passed.
    idp.answer = 'keys';
    expect((await me(hub, await signWith(key, ann))).status).toBe(503);
    expect(idp.fetches).toHaveLength(1);
  });
});

describe('a hub whose identity provider is not listening at all', () => {
  let hub: TestHub;

  beforeAll(async () => {
    const idp = await startIdentityProvider();
    const jwksUrl = idp.jwksUrl;
    await idp.stop();
    hub = await startTestHub({ CASEROOM_JWKS_URL: jwksUrl });
  });
  afterAll(() => hub.stop());

  it('refuses tokens with identity_unavailable and keeps serving', async () => {
    const token = await signWith(await signingKey('ES256'), ann);
    expect(await me(hub, token)).toMatchObject({ status: 503, body: { error: { code: 'identity_unavailable' } } });
    expect((await connectError(rawSocket(hub.url, token))).data?.code).toBe('identity_unavailable');
    expect((await api(hub.url, '/healthz')).status).toBe(200);
    // The development login's tokens need no provider.
    expect((await me(hub, await mintToken(people.ann))).status).toBe(200);
  });
});

describe('the SDK while the identity provider is down', () => {
  it('goes offline saying why, and connects by itself once the provider answers again', async () => {
    const key = await signingKey('RS256');
    const idp = await startIdentityProvider(key);
    const hub = await startTestHub({ CASEROOM_JWKS_URL: idp.jwksUrl, CASEROOM_JWKS_COOLDOWN_MS: '0' });
    try {
      idp.answer = 'server-error';
      const client = connectClient(hub.url, await signWith(key, ann), { reconnectionDelayMax: 200 });
      const told = await nextEvent<{ code: string }>('the client error', (listener) => client.on('error', listener));
      expect(told.code).toBe('identity_unavailable');
      expect(client.status).toBe('offline');
      idp.answer = 'keys';
      await waitFor(
        'the client to connect once the provider is back',
        (check) => client.on('status', check),
        () => client.status === 'connected' || undefined,
      );
      await client.close();
    } finally {
      await hub.stop();
      await idp.stop();
    }
  });
});
