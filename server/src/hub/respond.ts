import { toWireError, type Ack, type CaseroomError } from '@caseroom/shared';
import type { Log } from '../logger.js';

/**
 * Runs a request handler and answers its acknowledgement with `{ ok: true, ...result }` or
 * `{ ok: false, error }`, then runs `afterReply` on success. A client that sent no callback gets no answer, and a failure that is
 * not a CaseroomError is logged and reported as `internal_error` without detail.
 */
export async function respond<T extends object>(
  ack: unknown,
  log: Log,
  work: () => T | Promise<T>,
  afterReply?: () => void,
): Promise<void> {
  const reply = typeof ack === 'function' ? (ack as (response: Ack<T>) => void) : () => undefined;
  try {
    const result = await work();
    reply({ ok: true, ...result } as Ack<T>);
    afterReply?.();
  } catch (err) {
    if ((err as CaseroomError | null)?.name !== 'CaseroomError') log.error({ err }, 'request failed');
    reply({ ok: false, error: toWireError(err) });
  }
}
