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

/**
 * How long a command (or script) of the store may wait for Redis before it fails with
 * `store_unavailable`. node-redis times out only commands not yet written; one written to a Redis
 * that hangs would wait for as long as the connection stays up, so every command carries its own.
 */
const commandDeadlineMs = 5_000;
/** Readiness probes of load balancers typically give up after a second; answer before that. */
export const pingDeadlineMs = 800;
/** The update log lets Redis number its entries (XADD `0-*`), which Redis 7 introduced. */
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

/**
 * Disconnects once every command sent has its reply; a Redis that does not answer within the
 * command deadline is left behind, so shutdown never hangs on it.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (!client.isOpen) return;
  let timer: NodeJS.Timeout | undefined;
  const abandon = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, commandDeadlineMs);
  });
  await Promise.race([client.close(), abandon]);
  clearTimeout(timer);
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

function unavailable(cause: unknown): CaseroomError {
  return Object.assign(new CaseroomError('store_unavailable'), { cause });
}

/**
 * Turns a failure to reach Redis into `store_unavailable` (the original kept as `cause` for the
 * logs); anything else, such as a script error, is a bug and passes through unchanged.
 */
function storeError(err: unknown): unknown {
  const unreachable =
    err instanceof ErrorReply
      ? unavailableReply.test(err.message)
      : connectionErrors.some((type) => err instanceof type) || (err instanceof Error && 'syscall' in err);
  return unreachable ? unavailable(err) : err;
}

/**
 * Runs a command of the store, reporting an unreachable Redis as `store_unavailable`, and Redis not
 * answering within the deadline too. A write that missed its deadline may still be applied later,
 * like any write whose reply was lost.
 */
export function guarded<T>(command: Promise<T>, deadlineMs = commandDeadlineMs): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(unavailable(new Error(`Redis did not answer within ${deadlineMs} ms`))), deadlineMs);
    command.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(storeError(err));
      },
    );
  });
}
