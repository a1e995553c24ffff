/**
 * Waiting for events instead of sleeping: each helper subscribes, checks the condition on every
 * change, and fails with a clear message if it never holds within the limit.
 */
import { setTimeout as nextProbe } from 'node:timers/promises';
import type * as Y from 'yjs';

export function waitFor<T>(
  what: string,
  subscribe: (check: () => void) => () => void,
  condition: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe: () => void = () => undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const check = (): void => {
      const value = condition();
      if (value === undefined || value === false) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    };
    unsubscribe = subscribe(check);
    check();
  });
}

/** Resolves when `condition` holds, checked after every update of any of the documents. */
export function waitForDoc(docs: Y.Doc | Y.Doc[], what: string, condition: () => boolean, timeoutMs?: number): Promise<true> {
  const list = Array.isArray(docs) ? docs : [docs];
  return waitFor(
    what,
    (check) => {
      for (const doc of list) doc.on('update', check);
      return () => list.forEach((doc) => doc.off('update', check));
    },
    () => condition() || undefined,
    timeoutMs,
  );
}

/**
 * Resolves with the first value `subscribe` delivers that passes `accept`. `subscribe` registers
 * the listener and returns a function that removes it.
 */
export function nextEvent<T>(
  what: string,
  subscribe: (listener: (value: T) => void) => () => void,
  accept: (value: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  let last: T | undefined;
  return waitFor(
    what,
    (check) =>
      subscribe((value) => {
        if (accept(value)) {
          last = value;
          check();
        }
      }),
    () => (last === undefined ? undefined : last),
    timeoutMs,
  );
}

/**
 * Asks `probe` until it answers truthy, every `everyMs`: for state that is only seen by asking
 * (an HTTP readiness probe, a cache that ages), never as a stand-in for an event a test could wait for.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  everyMs = 100,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await nextProbe(everyMs);
  }
}
