/**
 * One webhook delivery attempt on the wire: the exact body, its HMAC signature, the headers and a
 * timeout. No state and no retries here; the follower decides what an outcome means. The request
 * goes through node:http rather than fetch because only there can the connection use our own
 * `lookup`, which refuses inside addresses (see WebhookTargets.ts).
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CaseroomError, type CaseEvent } from '@caseroom/shared';
import type { WebhookTargets } from './WebhookTargets.js';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the value of `x-caseroom-signature`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export type AttemptResult =
  | { delivered: true; status: number }
  /**
   * `status` when the receiver answered with something other than 2xx, `error` when it did not
   * answer; `forbidden` when the hub refused to connect to where the URL leads
   */
  | { delivered: false; status: number | null; error: string | null; forbidden?: true };

export interface AttemptOptions {
  deliveryId: string;
  timeoutMs: number;
  /** aborts the attempt when the webhook is removed or the hub stops */
  signal: AbortSignal;
  /** where the attempt may connect */
  targets: WebhookTargets;
}

/**
 * POSTs one event; resolves with the outcome and never rejects. The attempt has a controller of its
 * own, aborted by its timer or by `options.signal`, whose listener goes when the attempt settles:
 * `AbortSignal.any` with the long-lived stop signal would leave a weak reference on that signal per
 * attempt, which Node 20 never drops (the soak measured the hub's heap growing by it).
 */
export function postEvent(target: { url: string; secret: string }, event: CaseEvent, options: AttemptOptions): Promise<AttemptResult> {
  const body = JSON.stringify(event);
  const attempt = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, options.timeoutMs);
  const stop = (): void => attempt.abort();
  if (options.signal.aborted) attempt.abort();
  else options.signal.addEventListener('abort', stop, { once: true });
  return new Promise<AttemptResult>((resolve) => {
    const failed = (err: unknown): void => {
      const forbidden = err instanceof CaseroomError && err.code === 'forbidden_target';
      const error = forbidden ? err.message : timedOut ? `no answer within ${options.timeoutMs} ms` : describeFailure(err);
      resolve({ delivered: false, status: null, error, ...(forbidden && { forbidden: true as const }) });
    };
    try {
      // A literal address never reaches `lookup`, and a URL stored before the rules (or while they
      // were off) must not slip through either.
      options.targets.check(target.url);
      const url = new URL(target.url);
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'caseroom-webhooks',
            'x-caseroom-event': event.type,
            'x-caseroom-delivery': options.deliveryId,
            'x-caseroom-signature': signBody(target.secret, body),
          },
          lookup: options.targets.lookup,
          // A connection of its own for every attempt: each one resolves and is checked afresh.
          agent: false,
          signal: attempt.signal,
        },
        (res) => {
          // Only the status matters; drop the body rather than let a chatty receiver hold the
          // connection. A redirect is not followed (node:http never does): following it could
          // send the event somewhere nobody registered.
          res.destroy();
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? { delivered: true, status } : { delivered: false, status, error: null });
        },
      );
      req.on('error', failed);
      req.end(body);
    } catch (err) {
      failed(err);
    }
  }).finally(() => {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
  });
}

/** A short reason for a request that got no answer, e.g. `connect ECONNREFUSED 127.0.0.1:9`. */
function describeFailure(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message.slice(0, 500) : 'the request failed';
}
