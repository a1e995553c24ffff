/**
 * Configuration from the environment, validated once at start-up. A bad value stops the hub
 * with a message that names the variable and what is wrong with it.
 */
import { randomBytes } from 'node:crypto';
import { roles, type Role } from '@caseroom/shared';
import { z } from 'zod';
import { approvalPolicySchema, type ApprovalPolicy } from './approvals/ApprovalPolicy.js';
import { defaultClaimNames, type ClaimNames } from './identity/IdentityClaims.js';
import { defaultProviderAlgorithms, providerAlgorithms, type ProviderAlgorithm, type ProviderKeyOptions } from './identity/ProviderKeys.js';

/** Used only outside production when CASEROOM_JWT_SECRET is unset; the hub warns loudly. */
export const developmentSecret = 'caseroom-development-secret-not-for-production';

const flag = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

const positiveInt = z.coerce.number().int().positive();

/** `a, b,c` as `['a', 'b', 'c']`. */
const commaList = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** A claim name (`role`) or a dotted path into the token (`realm_access.roles`). */
const claimName = z.string().trim().min(1).max(200);

const jwksUrl = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL' });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'must be an https (or http) URL' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
  return url;
});

const jwksAlgorithms = z.string().transform((text, ctx): ProviderAlgorithm[] => {
  const names = commaList(text);
  const unknown = names.filter((name) => !(providerAlgorithms as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${unknown.length > 0 ? `${unknown.join(', ')}: not accepted; ` : ''}list public-key algorithms from ${providerAlgorithms.join(', ')}`,
    });
    return z.NEVER;
  }
  return [...new Set(names)] as ProviderAlgorithm[];
});

/** `support-agent:agent,tier2:specialist`: the provider's role names and the caseroom role each one means. */
const roleMap = z.string().transform((text, ctx): Map<string, Role> => {
  const map = new Map<string, Role>();
  for (const entry of commaList(text)) {
    // The provider's name may itself hold colons (`urn:example:agent`); caseroom's never does.
    const split = entry.lastIndexOf(':');
    const from = entry.slice(0, split).trim();
    const to = entry.slice(split + 1).trim();
    if (split <= 0 || from.length === 0) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not provider-role:caseroom-role` });
    } else if (!(roles as readonly string[]).includes(to)) {
      ctx.addIssue({ code: 'custom', message: `"${entry}": ${to} is not one of ${roles.join(', ')}` });
    } else if (map.has(from)) {
      ctx.addIssue({ code: 'custom', message: `"${from}" is mapped twice` });
    } else {
      map.set(from, to as Role);
    }
  }
  return map;
});

const durationUnits = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90d`, `12h`, `30m`, `45s` as milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const match = /^([1-9][0-9]{0,8})([smhd])$/.exec(text.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 90d, 12h, 30m or 45s` });
    return z.NEVER;
  }
  return Number(match[1]) * durationUnits[match[2] as keyof typeof durationUnits];
});

/** A duration, or `0` / `forever` to keep everything (null). */
const retention = z.string().transform((text, ctx): number | null => {
  if (text.trim() === '0' || text.trim() === 'forever') return null;
  const parsed = duration.safeParse(text);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 90d, 12h, 30m or 45s, nor 0 or forever` });
    return z.NEVER;
  }
  return parsed.data;
});

export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CASEROOM_JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CASEROOM_JWT_ISSUER: z.string().min(1).optional(),
  CASEROOM_JWT_AUDIENCE: z.string().min(1).optional(),
  /** The identity provider's JWKS: tokens signed with its published keys are accepted. */
  CASEROOM_JWKS_URL: jwksUrl.optional(),
  CASEROOM_JWKS_ALGORITHMS: jwksAlgorithms.default(() => [...defaultProviderAlgorithms]),
  /** Least time between two fetches of the JWKS prompted by tokens naming a key id the hub does not know. */
  CASEROOM_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
  /** Fetched keys are used this long, then fetched again: the longest a key the provider removed stays trusted. */
  CASEROOM_JWKS_CACHE_MAX_AGE_MS: positiveInt.default(600_000),
  CASEROOM_JWKS_TIMEOUT_MS: positiveInt.default(5_000),
  CASEROOM_CLAIM_ROLE: claimName.default(defaultClaimNames.role),
  CASEROOM_CLAIM_TEAM: claimName.default(defaultClaimNames.team),
  CASEROOM_CLAIM_NAME: claimName.default(defaultClaimNames.name),
  CASEROOM_CLAIM_DEPARTMENT: claimName.default(defaultClaimNames.department),
  CASEROOM_ROLE_MAP: roleMap.optional(),
  CASEROOM_DEV_LOGIN: flag.optional(),
  /** How long a case's document stays in memory after the last person leaves. */
  CASEROOM_ROOM_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** How long a person stays on a case's roster after their last connection drops. */
  CASEROOM_PRESENCE_GRACE_MS: z.coerce.number().int().min(0).default(5_000),
  /** Quiet time after which a burst of notes edits becomes one notes.changed event. */
  CASEROOM_NOTES_DEBOUNCE_MS: z.coerce.number().int().min(0).default(2_000),
  /** How long "writing a reply" holds after its last renewal: a second reply within it must be confirmed. */
  CASEROOM_COMPOSING_MS: positiveInt.default(8_000),
  /** Largest single message (binary or JSON) a client may send. */
  CASEROOM_MAX_MESSAGE_BYTES: positiveInt.default(1024 * 1024),
  /** Per-connection rate limits (0 turns one off); bursts of CASEROOM_RATE_BURST_S seconds' worth pass. */
  CASEROOM_RATE_MESSAGES_PER_S: z.coerce.number().int().min(0).default(1_000),
  CASEROOM_RATE_BYTES_PER_S: z.coerce
    .number()
    .int()
    .min(0)
    .default(4 * 1024 * 1024),
  CASEROOM_RATE_BURST_S: z.coerce.number().positive().default(10),
  /** Cases one Socket.IO connection may have open at once. */
  CASEROOM_MAX_CASES_PER_SOCKET: positiveInt.default(100),
  /** Largest encoded size of one case document; an update that would grow it past this is refused. */
  CASEROOM_MAX_DOCUMENT_BYTES: positiveInt.default(16 * 1024 * 1024),
  /**
   * Bytes waiting to be sent to one connection before it counts as a slow consumer and is dropped.
   * At least one whole document and one message, or a client fetching a full case could never
   * catch up; unset, twice the document limit (at least 32 MiB).
   */
  CASEROOM_MAX_SEND_BACKLOG_BYTES: positiveInt.optional(),
  /** When set, `/metrics` answers only requests carrying `Authorization: Bearer <this>`. */
  CASEROOM_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * When set, the host application may call admin routes (revoking a person) with
   * `Authorization: Bearer <this>`, as well as supervisors with their own tokens.
   */
  CASEROOM_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long a Socket.IO connection whose token expired may wait (refused) for `auth:refresh` before it is closed. */
  CASEROOM_TOKEN_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
  /** Longest a shutdown (SIGTERM/SIGINT) may take before the process gives up and exits with 1. */
  CASEROOM_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  /** Fold the update log into a snapshot after this many updates. */
  CASEROOM_SNAPSHOT_EVERY: positiveInt.default(500),
  /**
   * A case's document updates are relayed at most once per this many milliseconds, merged (0: once
   * per turn of the event loop), to Socket.IO and y-websocket clients alike. An edit after a quiet
   * spell is never held back.
   */
  CASEROOM_RELAY_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(0),
  /** Seconds until a pending approval request expires when the requester names no time. */
  CASEROOM_APPROVAL_EXPIRES_IN: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(15 * 60),
  /** JSON: approvals needed per kind and amount (see ApprovalPolicy.ts). */
  CASEROOM_APPROVAL_POLICY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return approvalPolicySchema.parse({});
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
      const policy = approvalPolicySchema.safeParse(json);
      if (!policy.success) {
        ctx.addIssue({ code: 'custom', message: policy.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        return z.NEVER;
      }
      return policy.data;
    }),
  /** Cluster mode: the Redis every hub node shares. Unset: embedded mode (SQLite, one node). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of every Redis key and channel, so several deployments (or test runs) share one Redis. */
  CASEROOM_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1-64 letters, digits or : _ . -')
    .default('caseroom:'),
  /** Cluster mode: lifetime of a node's presence heartbeat; a dead node's people leave the rosters within about this. */
  CASEROOM_PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(300).default(10_000),
  /** This node's name in a cluster (presence heartbeats, logs); generated when unset. */
  CASEROOM_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  /**
   * `off` skips the case document schema check on incoming edits: only to measure what the check
   * costs (`npm run bench`). Refused when NODE_ENV=production.
   */
  CASEROOM_DOCUMENT_CHECK: z.enum(['on', 'off']).default('on'),
  /** SQLite durability: `normal` survives a process crash, `full` also an OS crash or power loss. */
  CASEROOM_SQLITE_SYNC: z.enum(['normal', 'full']).default('normal'),
  CASEROOM_SQLITE_CHECKPOINT_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Wait before retrying a failed webhook delivery; doubles with every failure of the same event. */
  CASEROOM_WEBHOOK_RETRY_BASE_MS: positiveInt.default(1_000),
  /** The longest wait between retries of a webhook delivery. */
  CASEROOM_WEBHOOK_RETRY_MAX_MS: positiveInt.default(300_000),
  /** How long a webhook receiver has to answer before the attempt counts as failed. */
  CASEROOM_WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  /** Lets webhooks reach loopback, private and link-local addresses: for development and tests. */
  CASEROOM_WEBHOOK_ALLOW_PRIVATE: flag.default(false),
  /** How long case events are kept (`0` or `forever`: all of them). */
  CASEROOM_EVENT_RETENTION: retention.default(90 * durationUnits.d),
  /** How long webhook delivery records are kept (`0` or `forever`: all of them). */
  CASEROOM_DELIVERY_RETENTION: retention.default(30 * durationUnits.d),
  /** How often the background pass removes what is older than the retentions. */
  CASEROOM_RETENTION_INTERVAL: duration.default(durationUnits.h),
});

export interface HubConfig {
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  jwt: {
    secret: string;
    /** true when no secret was configured and the development secret is in use */
    usingDevelopmentSecret: boolean;
    issuer: string | undefined;
    audience: string | undefined;
    /** the identity provider's published keys; null: every token is HS256 with the secret */
    jwks: ProviderKeyOptions | null;
    /** whether HS256 tokens signed with the secret are accepted: always without an identity provider */
    acceptSecret: boolean;
    claims: ClaimNames;
    roleMap: Map<string, Role>;
  };
  devLogin: boolean;
  roomGraceMs: number;
  presenceGraceMs: number;
  notesDebounceMs: number;
  composingMs: number;
  maxMessageBytes: number;
  limits: {
    messagesPerSecond: number;
    bytesPerSecond: number;
    burstSeconds: number;
    maxCasesPerSocket: number;
    maxDocumentBytes: number;
    maxSendBacklogBytes: number;
  };
  snapshotEvery: number;
  /** whether incoming edits are checked against the case document schema (off only to measure it) */
  checkDocuments: boolean;
  relayIntervalMs: number;
  shutdownTimeoutMs: number;
  /** null: `/metrics` is open (keep it on the private side of the balancer) */
  metricsToken: string | null;
  /** null: only supervisors' tokens reach admin routes */
  adminToken: string | null;
  tokenGraceMs: number;
  approvals: { defaultExpiresInS: number; policy: ApprovalPolicy };
  sqliteSync: 'normal' | 'full';
  /** checkpoint SQLite's log from a worker thread this often (0: SQLite's automatic checkpoints) */
  sqliteCheckpointMs: number;
  /** null in embedded mode */
  redis: { url: string; prefix: string } | null;
  nodeId: string;
  presenceHeartbeatMs: number;
  webhooks: {
    retryBaseMs: number;
    retryMaxMs: number;
    timeoutMs: number;
    /** true: webhooks may reach any address, the hub's own loopback and its private network included */
    allowPrivateTargets: boolean;
  };
  /** how long events and delivery records are kept (ms; null: forever), and how often the trim runs */
  retention: { eventsMs: number | null; deliveriesMs: number | null; intervalMs: number };
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration from an environment (`process.env` by default). Empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HubConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const provider = e.CASEROOM_JWKS_URL;
  if (production && !provider && !e.CASEROOM_JWT_SECRET) {
    throw new ConfigError(['CASEROOM_JWT_SECRET: required when NODE_ENV=production (unless CASEROOM_JWKS_URL is set)']);
  }
  if (production && provider) {
    // A provider signs tokens for every application (and, at a multi-tenant endpoint, every tenant)
    // it serves with the same keys: only the issuer and audience say a token is meant for this hub.
    const missing = (['CASEROOM_JWT_ISSUER', 'CASEROOM_JWT_AUDIENCE'] as const).filter((name) => !e[name]);
    if (missing.length > 0)
      throw new ConfigError(missing.map((name) => `${name}: required with CASEROOM_JWKS_URL when NODE_ENV=production`));
  }
  const devLogin = e.CASEROOM_DEV_LOGIN ?? !production;
  if (production && devLogin) {
    throw new ConfigError(['CASEROOM_DEV_LOGIN: the development login cannot be enabled when NODE_ENV=production']);
  }
  // With an identity provider the secret only signs the development login's tokens, so it opens
  // no door that login does not already open; with the login off, it opens none.
  const acceptSecret = !provider || devLogin;
  // The development secret is published in this file: whoever reads it can mint tokens.
  const usingDevelopmentSecret = acceptSecret && (e.CASEROOM_JWT_SECRET ?? developmentSecret) === developmentSecret;
  if (production && usingDevelopmentSecret) {
    throw new ConfigError(['CASEROOM_JWT_SECRET: the built-in development secret cannot be used when NODE_ENV=production']);
  }
  if (production && e.CASEROOM_DOCUMENT_CHECK === 'off') {
    throw new ConfigError(['CASEROOM_DOCUMENT_CHECK: the case document schema check cannot be turned off when NODE_ENV=production']);
  }
  const maxSendBacklogBytes = e.CASEROOM_MAX_SEND_BACKLOG_BYTES ?? Math.max(32 * 1024 * 1024, 2 * e.CASEROOM_MAX_DOCUMENT_BYTES);
  if (maxSendBacklogBytes < e.CASEROOM_MAX_DOCUMENT_BYTES + e.CASEROOM_MAX_MESSAGE_BYTES) {
    throw new ConfigError([
      'CASEROOM_MAX_SEND_BACKLOG_BYTES: must be at least CASEROOM_MAX_DOCUMENT_BYTES + CASEROOM_MAX_MESSAGE_BYTES (one whole document and one message)',
    ]);
  }
  if (e.CASEROOM_WEBHOOK_RETRY_MAX_MS < e.CASEROOM_WEBHOOK_RETRY_BASE_MS) {
    throw new ConfigError(['CASEROOM_WEBHOOK_RETRY_MAX_MS: must not be less than CASEROOM_WEBHOOK_RETRY_BASE_MS']);
  }
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    jwt: {
      secret: e.CASEROOM_JWT_SECRET ?? developmentSecret,
      usingDevelopmentSecret,
      issuer: e.CASEROOM_JWT_ISSUER,
      audience: e.CASEROOM_JWT_AUDIENCE,
      jwks: provider
        ? {
            url: provider,
            algorithms: e.CASEROOM_JWKS_ALGORITHMS,
            cooldownMs: e.CASEROOM_JWKS_COOLDOWN_MS,
            cacheMaxAgeMs: e.CASEROOM_JWKS_CACHE_MAX_AGE_MS,
            timeoutMs: e.CASEROOM_JWKS_TIMEOUT_MS,
          }
        : null,
      acceptSecret,
      claims: {
        role: e.CASEROOM_CLAIM_ROLE,
        team: e.CASEROOM_CLAIM_TEAM,
        name: e.CASEROOM_CLAIM_NAME,
        department: e.CASEROOM_CLAIM_DEPARTMENT,
      },
      roleMap: e.CASEROOM_ROLE_MAP ?? new Map(),
    },
    devLogin,
    roomGraceMs: e.CASEROOM_ROOM_GRACE_MS,
    presenceGraceMs: e.CASEROOM_PRESENCE_GRACE_MS,
    notesDebounceMs: e.CASEROOM_NOTES_DEBOUNCE_MS,
    composingMs: e.CASEROOM_COMPOSING_MS,
    maxMessageBytes: e.CASEROOM_MAX_MESSAGE_BYTES,
    limits: {
      messagesPerSecond: e.CASEROOM_RATE_MESSAGES_PER_S,
      bytesPerSecond: e.CASEROOM_RATE_BYTES_PER_S,
      burstSeconds: e.CASEROOM_RATE_BURST_S,
      maxCasesPerSocket: e.CASEROOM_MAX_CASES_PER_SOCKET,
      maxDocumentBytes: e.CASEROOM_MAX_DOCUMENT_BYTES,
      maxSendBacklogBytes,
    },
    snapshotEvery: e.CASEROOM_SNAPSHOT_EVERY,
    checkDocuments: e.CASEROOM_DOCUMENT_CHECK === 'on',
    relayIntervalMs: e.CASEROOM_RELAY_INTERVAL_MS,
    shutdownTimeoutMs: e.CASEROOM_SHUTDOWN_TIMEOUT_MS,
    metricsToken: e.CASEROOM_METRICS_TOKEN ?? null,
    adminToken: e.CASEROOM_ADMIN_TOKEN ?? null,
    tokenGraceMs: e.CASEROOM_TOKEN_GRACE_MS,
    approvals: { defaultExpiresInS: e.CASEROOM_APPROVAL_EXPIRES_IN, policy: e.CASEROOM_APPROVAL_POLICY },
    sqliteSync: e.CASEROOM_SQLITE_SYNC,
    sqliteCheckpointMs: e.CASEROOM_SQLITE_CHECKPOINT_MS,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.CASEROOM_REDIS_PREFIX } : null,
    presenceHeartbeatMs: e.CASEROOM_PRESENCE_HEARTBEAT_MS,
    nodeId: e.CASEROOM_NODE_ID ?? `node-${randomBytes(4).toString('hex')}`,
    webhooks: {
      retryBaseMs: e.CASEROOM_WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.CASEROOM_WEBHOOK_RETRY_MAX_MS,
      timeoutMs: e.CASEROOM_WEBHOOK_TIMEOUT_MS,
      allowPrivateTargets: e.CASEROOM_WEBHOOK_ALLOW_PRIVATE,
    },
    retention: {
      eventsMs: e.CASEROOM_EVENT_RETENTION,
      deliveriesMs: e.CASEROOM_DELIVERY_RETENTION,
      intervalMs: e.CASEROOM_RETENTION_INTERVAL,
    },
  };
}

/** What the operator tools (backup, restore, export, import) read of the configuration. */
export interface StoreSettings {
  dataDir: string;
  sqliteSync: 'normal' | 'full';
  /** 0: the tools never start a checkpoint worker of their own */
  sqliteCheckpointMs: number;
  redis: { url: string; prefix: string } | null;
}

const storeEnvSchema = envSchema.pick({
  DATA_DIR: true,
  REDIS_URL: true,
  CASEROOM_REDIS_PREFIX: true,
  CASEROOM_SQLITE_SYNC: true,
});

/**
 * The store a hub started with the same environment would open, read with the hub's own rules,
 * and nothing else: an operator tool needs no token secret or identity provider to reach it.
 */
export function loadStoreSettings(env: Record<string, string | undefined> = process.env): StoreSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = storeEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const e = parsed.data;
  return {
    dataDir: e.DATA_DIR,
    sqliteSync: e.CASEROOM_SQLITE_SYNC,
    sqliteCheckpointMs: 0,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.CASEROOM_REDIS_PREFIX } : null,
  };
}
