import { ConfigError, loadConfig } from '@caseroom/server';
import { describe, expect, it } from 'vitest';
import { developmentSecret } from '../../server/src/config.js';

const secret = 'a-real-secret-of-enough-length-42';

/** The ConfigError `loadConfig(env)` throws (fails the test if it does not throw one). */
function refusal(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected loadConfig to refuse ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('starts a development hub from an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      production: false,
      port: 3000,
      host: '0.0.0.0',
      dataDir: './data',
      logLevel: 'info',
      jwt: { secret: developmentSecret, usingDevelopmentSecret: true, issuer: undefined, audience: undefined },
      devLogin: true,
      roomGraceMs: 10_000,
      maxMessageBytes: 1024 * 1024,
      snapshotEvery: 500,
      checkDocuments: true,
      shutdownTimeoutMs: 10_000,
      sqliteSync: 'normal',
      sqliteCheckpointMs: 1000,
    });
    expect(loadConfig({ CASEROOM_SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/caseroom',
      LOG_LEVEL: 'warn',
      CASEROOM_JWT_SECRET: secret,
      CASEROOM_JWT_ISSUER: 'https://id.example.com',
      CASEROOM_JWT_AUDIENCE: 'caseroom',
      CASEROOM_JWKS_URL: 'https://id.example.com/realms/support/protocol/openid-connect/certs',
      CASEROOM_JWKS_ALGORITHMS: 'RS256, ES384',
      CASEROOM_JWKS_COOLDOWN_MS: '5000',
      CASEROOM_JWKS_CACHE_MAX_AGE_MS: '60000',
      CASEROOM_JWKS_TIMEOUT_MS: '2000',
      CASEROOM_CLAIM_ROLE: 'realm_access.roles',
      CASEROOM_CLAIM_TEAM: 'groups',
      CASEROOM_CLAIM_NAME: 'preferred_username',
      CASEROOM_CLAIM_DEPARTMENT: 'https://caseroom.example.com/department',
      CASEROOM_ROLE_MAP: 'support-agent:agent, tier2:specialist',
      CASEROOM_DEV_LOGIN: 'off',
      CASEROOM_ROOM_GRACE_MS: '0',
      CASEROOM_MAX_MESSAGE_BYTES: '4096',
      CASEROOM_SNAPSHOT_EVERY: '10',
      CASEROOM_SQLITE_SYNC: 'full',
      CASEROOM_SQLITE_CHECKPOINT_MS: '0',
    });
    expect(config).toMatchObject({
      production: true,
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/var/lib/caseroom',
      logLevel: 'warn',
      jwt: {
        secret,
        usingDevelopmentSecret: false,
        issuer: 'https://id.example.com',
        audience: 'caseroom',
        jwks: {
          url: new URL('https://id.example.com/realms/support/protocol/openid-connect/certs'),
          algorithms: ['RS256', 'ES384'],
          cooldownMs: 5000,
          cacheMaxAgeMs: 60_000,
          timeoutMs: 2000,
        },
        acceptSecret: false,
        claims: {
          role: 'realm_access.roles',
          team: 'groups',
          name: 'preferred_username',
          department: 'https://caseroom.example.com/department',
        },
        roleMap: new Map([
          ['support-agent', 'agent'],
          ['tier2', 'specialist'],
        ]),
      },
      devLogin: false,
      roomGraceMs: 0,
      maxMessageBytes: 4096,
      snapshotEvery: 10,
      sqliteSync: 'full',
      sqliteCheckpointMs: 0,
    });
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '', CASEROOM_JWT_SECRET: '', CASEROOM_DEV_LOGIN: '' });
    expect(config.port).toBe(3000);
    expect(config.jwt.usingDevelopmentSecret).toBe(true);
    expect(config.devLogin).toBe(true);
  });

  it.each(['abc', '-1', '65536', '80.5'])('refuses PORT=%s and names the variable', (port) => {
    expect(refusal({ PORT: port }).message).toMatch(/\bPORT\b/);
  });

  describe('retention', () => {
    const day = 86_400_000;

    it('keeps events 90 days and delivery records 30 days, trimming every hour, unless told otherwise', () => {
      expect(loadConfig({}).retention).toEqual({ eventsMs: 90 * day, deliveriesMs: 30 * day, intervalMs: 3_600_000 });
    });

    it('reads durations in days, hours, minutes and seconds, and 0 or forever as keeping everything', () => {
      const env = { CASEROOM_EVENT_RETENTION: '12h', CASEROOM_DELIVERY_RETENTION: '30m', CASEROOM_RETENTION_INTERVAL: '45s' };
      expect(loadConfig(env).retention).toEqual({ eventsMs: 12 * 3_600_000, deliveriesMs: 30 * 60_000, intervalMs: 45_000 });
      expect(loadConfig({ CASEROOM_EVENT_RETENTION: '0', CASEROOM_DELIVERY_RETENTION: 'forever' }).retention).toMatchObject({
        eventsMs: null,
        deliveriesMs: null,
      });
    });

    it.each([
      ['CASEROOM_EVENT_RETENTION', '90'],
      ['CASEROOM_EVENT_RETENTION', '-1d'],
      ['CASEROOM_DELIVERY_RETENTION', '2w'],
      ['CASEROOM_DELIVERY_RETENTION', 'never'],
      ['CASEROOM_RETENTION_INTERVAL', '0'],
      ['CASEROOM_RETENTION_INTERVAL', 'forever'],
      ['CASEROOM_RETENTION_INTERVAL', '1.5h'],
    ])('refuses %s=%s and names the variable', (name, value) => {
      expect(refusal({ [name]: value }).message).toMatch(new RegExp(`${name}: .*${value.replace('.', '\\.')}`));
    });
  });

  it('names every bad variable at once', () => {
    const { message } = refusal({ PORT: 'abc', LOG_LEVEL: 'loud', CASEROOM_SQLITE_SYNC: 'sometimes', CASEROOM_DEV_LOGIN: 'maybe' });
    for (const name of ['PORT', 'LOG_LEVEL', 'CASEROOM_SQLITE_SYNC', 'CASEROOM_DEV_LOGIN']) expect(message).toContain(name);
  });

  it.each(['0', '-5', 'lots'])('refuses CASEROOM_MAX_MESSAGE_BYTES=%s', (value) => {
    expect(refusal({ CASEROOM_MAX_MESSAGE_BYTES: value }).message).toContain('CASEROOM_MAX_MESSAGE_BYTES');
  });

  it('refuses a JWT secret shorter than 16 characters', () => {
    const { message } = refusal({ CASEROOM_JWT_SECRET: 'too-short' });
    expect(message).toContain('CASEROOM_JWT_SECRET');
    expect(message).toContain('16');
  });

  it('flags the development secret whenever it is the one in use', () => {
    expect(loadConfig({}).jwt).toMatchObject({ secret: developmentSecret, usingDevelopmentSecret: true });
    expect(loadConfig({ CASEROOM_JWT_SECRET: developmentSecret }).jwt.usingDevelopmentSecret).toBe(true);
    expect(loadConfig({ CASEROOM_JWT_SECRET: secret }).jwt).toMatchObject({ secret, usingDevelopmentSecret: false });
  });

  describe('in production', () => {
    it('requires CASEROOM_JWT_SECRET', () => {
      expect(refusal({ NODE_ENV: 'production' }).message).toContain('CASEROOM_JWT_SECRET');
    });

    it('refuses the published development secret', () => {
      expect(refusal({ NODE_ENV: 'production', CASEROOM_JWT_SECRET: developmentSecret }).message).toContain('CASEROOM_JWT_SECRET');
    });

    it('turns the development login off by default', () => {
      expect(loadConfig({ NODE_ENV: 'production', CASEROOM_JWT_SECRET: secret })).toMatchObject({ production: true, devLogin: false });
    });

    it('refuses to turn the case document schema check off', () => {
      expect(refusal({ NODE_ENV: 'production', CASEROOM_JWT_SECRET: secret, CASEROOM_DOCUMENT_CHECK: 'off' }).message).toContain(
        'CASEROOM_DOCUMENT_CHECK',
      );
      expect(loadConfig({ NODE_ENV: 'production', CASEROOM_JWT_SECRET: secret }).checkDocuments).toBe(true);
    });

    it.each(['true', '1', 'yes', 'on'])('refuses CASEROOM_DEV_LOGIN=%s', (value) => {
      expect(refusal({ NODE_ENV: 'production', CASEROOM_JWT_SECRET: secret, CASEROOM_DEV_LOGIN: value }).message).toContain(
        'CASEROOM_DEV_LOGIN',
      );
    });
  });

  describe('claim names', () => {
    it('are the ones tokens always used unless told otherwise, with no role map', () => {
      expect(loadConfig({}).jwt).toMatchObject({
        claims: { role: 'role', team: 'team', name: 'name', department: 'department' },
        roleMap: new Map(),
      });
    });

    it('come with a role map whose provider names may hold colons, and one naming no caseroom role is refused', () => {
      expect(loadConfig({ CASEROOM_ROLE_MAP: 'urn:example:lead:supervisor,bot-client:bot' }).jwt.roleMap).toEqual(
        new Map([
          ['urn:example:lead', 'supervisor'],
          ['bot-client', 'bot'],
        ]),
      );
      for (const map of ['support-agent:admin', 'support-agent', ':agent', 'a:agent,a:specialist']) {
        expect(refusal({ CASEROOM_ROLE_MAP: map }).message).toContain('CASEROOM_ROLE_MAP');
      }
    });

    it('may not be empty', () => {
      expect(refusal({ CASEROOM_CLAIM_ROLE: '  ' }).message).toContain('CASEROOM_CLAIM_ROLE');
    });
  });

  describe('an identity provider', () => {
    const jwks = 'https://id.example.com/realms/support/protocol/openid-connect/certs';
    const production = { NODE_ENV: 'production', CASEROOM_JWKS_URL: jwks };
    const named = { CASEROOM_JWT_ISSUER: 'https://id.example.com/realms/support', CASEROOM_JWT_AUDIENCE: 'caseroom' };

    it('is not configured by default: every token is HS256 with the secret', () => {
      expect(loadConfig({}).jwt).toMatchObject({ jwks: null, acceptSecret: true });
    });

    it("has its keys fetched with jose's defaults and the four usual algorithms unless told otherwise", () => {
      expect(loadConfig({ CASEROOM_JWKS_URL: jwks }).jwt.jwks).toEqual({
        url: new URL(jwks),
        algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
        cooldownMs: 30_000,
        cacheMaxAgeMs: 600_000,
        timeoutMs: 5_000,
      });
      expect(loadConfig({ CASEROOM_JWKS_URL: jwks, CASEROOM_JWKS_COOLDOWN_MS: '0' }).jwt.jwks?.cooldownMs).toBe(0);
    });

    it.each(['not a url', 'ftp://id.example.com/certs', 'https://user:pw@id.example.com/certs'])('refuses CASEROOM_JWKS_URL=%s', (url) => {
      expect(refusal({ CASEROOM_JWKS_URL: url }).message).toContain('CASEROOM_JWKS_URL');
    });

    it.each(['HS256', 'RS256,none', 'RS256,HS512', ' , '])('refuses CASEROOM_JWKS_ALGORITHMS=%s: public-key algorithms only', (list) => {
      expect(refusal({ CASEROOM_JWKS_URL: jwks, CASEROOM_JWKS_ALGORITHMS: list }).message).toContain('CASEROOM_JWKS_ALGORITHMS');
    });

    it.each(['0', '-1', 'soon'])('refuses a key cache age of %s, and a negative cooldown', (value) => {
      const { message } = refusal({ CASEROOM_JWKS_CACHE_MAX_AGE_MS: value, CASEROOM_JWKS_COOLDOWN_MS: '-1' });
      expect(message).toContain('CASEROOM_JWKS_CACHE_MAX_AGE_MS');
      expect(message).toContain('CASEROOM_JWKS_COOLDOWN_MS');
    });

    it('leaves shared-secret tokens accepted next to it only while the development login is on', () => {
      expect(loadConfig({ CASEROOM_JWKS_URL: jwks }).jwt).toMatchObject({ acceptSecret: true, usingDevelopmentSecret: true });
      expect(loadConfig({ CASEROOM_JWKS_URL: jwks, CASEROOM_DEV_LOGIN: 'off' }).jwt).toMatchObject({
        acceptSecret: false,
        usingDevelopmentSecret: false,
      });
    });

    it('needs no secret in production, and never accepts one there', () => {
      const config = loadConfig({ ...production, ...named });
      expect(config).toMatchObject({
        devLogin: false,
        jwt: { acceptSecret: false, usingDevelopmentSecret: false, issuer: named.CASEROOM_JWT_ISSUER },
      });
      expect(loadConfig({ ...production, ...named, CASEROOM_JWT_SECRET: secret }).jwt.acceptSecret).toBe(false);
    });

    it('requires an issuer and an audience in production', () => {
      const { message } = refusal(production);
      expect(message).toContain('CASEROOM_JWT_ISSUER');
      expect(message).toContain('CASEROOM_JWT_AUDIENCE');
      expect(refusal({ ...production, CASEROOM_JWT_ISSUER: named.CASEROOM_JWT_ISSUER }).message).toContain('CASEROOM_JWT_AUDIENCE');
    });

    it('keeps the development login off in production', () => {
      expect(refusal({ ...production, ...named, CASEROOM_DEV_LOGIN: 'on' }).message).toContain('CASEROOM_DEV_LOGIN');
    });
  });

  it('lets development turn the development login off', () => {
    expect(loadConfig({ CASEROOM_DEV_LOGIN: 'false' }).devLogin).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', CASEROOM_DEV_LOGIN: 'no' }).devLogin).toBe(false);
  });

  it('reads the webhook retry waits and timeout, and refuses a cap below the base', () => {
    expect(loadConfig({}).webhooks).toEqual({ retryBaseMs: 1000, retryMaxMs: 300_000, timeoutMs: 10_000, allowPrivateTargets: false });
    const env = { CASEROOM_WEBHOOK_RETRY_BASE_MS: '50', CASEROOM_WEBHOOK_RETRY_MAX_MS: '5000', CASEROOM_WEBHOOK_TIMEOUT_MS: '2500' };
    expect(loadConfig(env).webhooks).toEqual({ retryBaseMs: 50, retryMaxMs: 5000, timeoutMs: 2500, allowPrivateTargets: false });
    expect(refusal({ CASEROOM_WEBHOOK_RETRY_BASE_MS: '0' }).message).toContain('CASEROOM_WEBHOOK_RETRY_BASE_MS');
    expect(refusal({ CASEROOM_WEBHOOK_RETRY_BASE_MS: '2000', CASEROOM_WEBHOOK_RETRY_MAX_MS: '1000' }).message).toContain(
      'CASEROOM_WEBHOOK_RETRY_MAX_MS',
    );
  });

  it('keeps webhooks to public addresses unless CASEROOM_WEBHOOK_ALLOW_PRIVATE is on, in production too', () => {
    expect(loadConfig({}).webhooks.allowPrivateTargets).toBe(false);
    for (const value of ['1', 'true', 'yes', 'on'])
      expect(loadConfig({ CASEROOM_WEBHOOK_ALLOW_PRIVATE: value }).webhooks.allowPrivateTargets).toBe(true);
    for (const value of ['0', 'false', 'no', 'off'])
      expect(loadConfig({ CASEROOM_WEBHOOK_ALLOW_PRIVATE: value }).webhooks.allowPrivateTargets).toBe(false);
    // A CRM inside the same private network is a real production setup; the hub warns when it starts.
    const production = { NODE_ENV: 'production', CASEROOM_JWT_SECRET: secret, CASEROOM_WEBHOOK_ALLOW_PRIVATE: '1' };
    expect(loadConfig(production).webhooks.allowPrivateTargets).toBe(true);
    expect(refusal({ CASEROOM_WEBHOOK_ALLOW_PRIVATE: 'sometimes' }).message).toContain('CASEROOM_WEBHOOK_ALLOW_PRIVATE');
  });

  it('reads the limits, with generous defaults, and 0 turning a rate limit off', () => {
    expect(loadConfig({}).limits).toEqual({
      messagesPerSecond: 1000,
      bytesPerSecond: 4 * 1024 * 1024,
      burstSeconds: 10,
      maxCasesPerSocket: 100,
      maxDocumentBytes: 16 * 1024 * 1024,
      maxSendBacklogBytes: 32 * 1024 * 1024,
    });
    expect(loadConfig({ CASEROOM_MAX_DOCUMENT_BYTES: String(64 * 1024 * 1024) }).limits.maxSendBacklogBytes).toBe(128 * 1024 * 1024);
    const env = {
      CASEROOM_RATE_MESSAGES_PER_S: '0',
      CASEROOM_RATE_BYTES_PER_S: '2048',
      CASEROOM_RATE_BURST_S: '0.5',
      CASEROOM_MAX_CASES_PER_SOCKET: '3',
      CASEROOM_MAX_DOCUMENT_BYTES: '65536',
      CASEROOM_MAX_MESSAGE_BYTES: '4096',
      CASEROOM_MAX_SEND_BACKLOG_BYTES: '69632',
    };
    expect(loadConfig(env).limits).toEqual({
      messagesPerSecond: 0,
      bytesPerSecond: 2048,
      burstSeconds: 0.5,
      maxCasesPerSocket: 3,
      maxDocumentBytes: 65536,
      maxSendBacklogBytes: 69632,
    });
    expect(
      refusal({ CASEROOM_MAX_DOCUMENT_BYTES: '65536', CASEROOM_MAX_MESSAGE_BYTES: '4096', CASEROOM_MAX_SEND_BACKLOG_BYTES: '69631' })
        .message,
    ).toContain('CASEROOM_MAX_SEND_BACKLOG_BYTES');
    const problems = refusal({
      CASEROOM_MAX_CASES_PER_SOCKET: '0',
      CASEROOM_RATE_BURST_S: '0',
      CASEROOM_RATE_MESSAGES_PER_S: '-1',
    }).message;
    for (const name of ['CASEROOM_MAX_CASES_PER_SOCKET', 'CASEROOM_RATE_BURST_S', 'CASEROOM_RATE_MESSAGES_PER_S'])
      expect(problems).toContain(name);
  });
});
