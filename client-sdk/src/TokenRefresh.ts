/**
 * Keeps a connection's token fresh in band. The hub says when the token expires (`auth:expires`,
 * counted on its clock, so no clock skew matters); ahead of that, or at once when the hub says it
 * expired, the app's `token` function is asked for a new one, which goes to the hub with
 * `auth:refresh`: every case stays open and nothing is resynced.
 */
import { CaseroomError, type RefreshAck } from '@caseroom/shared';
import type { ClientSocket } from './request.js';

/** How long before expiry to refresh: a tenth of the token's life, at most a minute. */
const leadMs = (lifetimeMs: number): number => Math.min(60_000, lifetimeMs / 10);
/** The longest delay timers take (a longer one fires at once); a later refresh is scheduled again then. */
const maxTimerMs = 2 ** 31 - 1;
/** The shortest wait between refreshes: a token function that hands back a nearly spent token must not spin. */
const minIntervalMs = 1_000;

export interface TokenRefreshEvents {
  /** a fresh token is in force: retry what was refused */
  refreshed: () => void;
  /** the token expired and no fresh one could be had */
  failed: (error: CaseroomError) => void;
}

export class TokenRefresh {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<boolean> | null = null;
  /** when the token in force expires, on this client's clock (estimated from the hub's word) */
  private expiresAt: number | null = null;

  constructor(
    private readonly socket: ClientSocket,
    private readonly token: string | (() => string | Promise<string>),
    private readonly events: TokenRefreshEvents,
  ) {}

  /** Whether a fresh token can be had at all (a fixed token cannot be refreshed). */
  get canRefresh(): boolean {
    return typeof this.token === 'function';
  }

  /** The hub told how long the token in force lasts: refresh ahead of that. */
  schedule(expiresInMs: number | null): void {
    this.cancel();
    this.expiresAt = expiresInMs === null ? null : Date.now() + expiresInMs;
    if (expiresInMs === null || !this.canRefresh) return;
    this.after(expiresInMs - leadMs(expiresInMs));
  }

  private after(delayMs: number): void {
    const delay = Math.min(Math.max(minIntervalMs, delayMs), maxTimerMs);
    this.timer = setTimeout(() => {
      if (delay < delayMs) return this.after(delayMs - delay);
      void this.refresh();
    }, delay);
  }

  /** Gets a fresh token to the hub (one attempt at a time); resolves with whether it worked. */
  refresh(): Promise<boolean> {
    return (this.running ??= this.attempt().finally(() => (this.running = null)));
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async attempt(): Promise<boolean> {
    if (typeof this.token !== 'function') {
      this.events.failed(new CaseroomError('token_expired', 'The token expired and no token function was given to get a fresh one'));
      return false;
    }
    try {
      const token = await this.token();
      const ack = (await this.socket.emitWithAck('auth:refresh', { token })) as RefreshAck;
      if (!ack.ok) throw CaseroomError.fromWire(ack.error);
      this.schedule(ack.expiresInMs);
      this.events.refreshed();
      return true;
    } catch (err) {
      const error = err instanceof CaseroomError ? err : new CaseroomError('token_expired', 'Getting a fresh token failed');
      // Early, with the token still good: try again later rather than go offline over a passing failure.
      const left = this.expiresAt === null ? 0 : this.expiresAt - Date.now();
      if (left > 2 * minIntervalMs) this.after(left / 2);
      else this.events.failed(error);
      return false;
    }
  }
}
