/**
 * The Redis store's connection: how it behaves while Redis is away, and which failures mean
 * "the store is unavailable" (worth retrying later) rather than a bug.
 */
import { CaseroomError } from '@caseroom/shared';
import {
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  DisconnectsClientError,
  ErrorReply,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from 'redis';
import type { Logger } from '../../logger.js';

export type Redis = ReturnType<typeof createClient>;

/** A command that gets no answer within this fails (the edit stays in the client's document). */
const commandTimeoutMs = 5_000;
/** Readiness probes of load balancers typically give up after a second; answer before that. */
export const pingTimeoutMs = 800;
/** XADD with `<ms>-*`, ZRANGE BYLEX REV and XTRIM MINID all need Redis 7. */
const minimumMajorVersion = 7;

/**
 * Connects, waiting (and retrying) until Redis answers. Afterwards commands never queue while the
 * connection is down: they fail at once, so /readyz turns 503 and writes are refused with
 * `store_unavailable` instead of hanging; the client reconnects by itself.
 */
export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const client: Redis = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
    socket: { connectTimeout: 3_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });
  // One warning per outage, not one per reconnection attempt.
  let down = false;
  client.on('error', (err: unknown) => {
    if (!down) log.warn({ err }, 'store: redis unreachable; reconnecting');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('store: redis reachable again');
    down = false;
  });
  await client.connect();
  const version = /redis_version:(\d+)/.exec(await client.info('server'))?.[1];
  if (version === undefined || Number(version) < minimumMajorVersion) {
    client.destroy();
    throw new Error(`caseroom needs Redis ${minimumMajorVersion} or newer; ${url} runs ${version ?? 'an unknown version'}`);
  }
  return client;
}

/** Replies meaning Redis cannot serve writes right now (starting, a replica, out of memory, busy). */
const unavailableReply = /^(LOADING|READONLY|MASTERDOWN|BUSY|NOREPLICAS|TRYAGAIN|OOM)\b/;

const connectionErrors = [
  AbortError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
];

/**
 * Turns a failure to reach Redis into `store_unavailable` (the original kept as `cause` for the
 * logs); anything else, such as a script error, is a bug and passes through unchanged.
 */
export function storeError(err: unknown): unknown {
  const unreachable =
    err instanceof ErrorReply
      ? unavailableReply.test(err.message)
      : connectionErrors.some((type) => err instanceof type) || (err instanceof Error && 'syscall' in err);
  return unreachable ? Object.assign(new CaseroomError('store_unavailable'), { cause: err }) : err;
}

/** Runs a store operation, reporting an unreachable Redis as `store_unavailable`. */
export async function guarded<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    throw storeError(err);
  }
}
