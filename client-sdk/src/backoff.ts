/**
 * One rule for every retry the SDK makes on its own (a refused join, a resync after a refused
 * edit, a connection the hub could not check yet): the wait doubles with each failure in a row, up
 * to a ceiling, so a hub that is struggling is not hammered and one that is back is soon reached.
 */
export interface Backoff {
  /** the wait after the first failure, in ms */
  firstMs: number;
  /** the longest wait, in ms */
  maxMs: number;
}

/** How long to wait before trying again after `failures` failures in a row (0: the first retry). */
export function backoffDelay(backoff: Backoff, failures: number): number {
  return Math.min(backoff.firstMs * 2 ** failures, backoff.maxMs);
}
