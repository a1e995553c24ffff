/**
 * One webhook delivery attempt on the wire: the exact body, its HMAC signature, the headers and a
 * timeout. No state and no retries here; the follower decides what an outcome means.
 */
import { createHmac } from 'node:crypto';
import type { CaseEvent } from '@caseroom/shared';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the value of `x-caseroom-signature`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export type AttemptResult =
  | { delivered: true; status: number }
  /** `status` when the receiver answered with something other than 2xx, `error` when it did not answer */
  | { delivered: false; status: number | null; error: string | null };

export interface AttemptOptions {
  deliveryId: string;
  timeoutMs: number;
  /** aborts the attempt when the webhook is removed or the hub stops */
  signal: AbortSignal;
}

/** POSTs one event; resolves with the outcome and never rejects. */
export async function postEvent(
  target: { url: string; secret: string },
  event: CaseEvent,
  options: AttemptOptions,
): Promise<AttemptResult> {
  const body = JSON.stringify(event);
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'caseroom-webhooks',
        'x-caseroom-event': event.type,
        'x-caseroom-delivery': options.deliveryId,
        'x-caseroom-signature': signBody(target.secret, body),
      },
      body,
      // A redirect is not a delivery: following it could send the event somewhere nobody registered.
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    // Only the status matters; drop the body rather than let a chatty receiver hold the connection.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
    return { delivered: false, status: response.status, error: null };
  } catch (err) {
    return { delivered: false, status: null, error: describeFailure(err, options.timeoutMs) };
  }
}

/** A short reason for a request that got no answer, e.g. `connect ECONNREFUSED 127.0.0.1:9`. */
function describeFailure(err: unknown, timeoutMs: number): string {
  if ((err as { name?: unknown } | null)?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = (err as { cause?: { message?: unknown } } | null)?.cause;
  const message = typeof cause?.message === 'string' && cause.message ? cause.message : (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message.slice(0, 500) : 'the request failed';
}
