/**
 * Runs something when a token expires. Node's timers wait at most 2^31 - 1 ms (about 24.8 days; a
 * longer delay fires at once), so a token valid for longer is looked at again then.
 */
const maxTimerMs = 2 ** 31 - 1;

/** Calls `then` at `expiresAt` (ms since the epoch); the returned timer is unref'd. Stop it with `clearTimeout`. */
export function atExpiry(expiresAt: number, then: () => void): { timer: NodeJS.Timeout } {
  const handle = { timer: null as unknown as NodeJS.Timeout };
  const arm = (): void => {
    const delay = expiresAt - Date.now();
    handle.timer = setTimeout(() => (Date.now() >= expiresAt ? then() : arm()), Math.max(0, Math.min(delay, maxTimerMs)));
    handle.timer.unref();
  };
  arm();
  return handle;
}
