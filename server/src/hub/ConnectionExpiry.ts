/**
 * Holds each socket to its token's lifetime, not only its handshake. At `exp` the client hears
 * `auth:expired` and every request but `auth:refresh` and `case:leave` is refused with
 * `token_expired`; relayed traffic of the cases it has open keeps flowing, so a client that
 * refreshes in time has missed nothing and resyncs nothing. A socket that presents no fresh token
 * within the grace period is closed.
 */
import { CaseroomError } from '@caseroom/shared';
import { atExpiry } from '../identity/tokenClock.js';
import type { SocketContext } from './SocketContext.js';

export const tokenExpiredMessage = 'The token expired: present a fresh one with auth:refresh';

export class ConnectionExpiry {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout }>();

  constructor(private readonly graceMs: number) {}

  /** Arms the socket's clock from its token now in force (again after a refresh); clears `expired`. */
  watch(context: SocketContext): void {
    this.forget(context);
    context.expired = false;
    const { expiresAt } = context;
    if (expiresAt !== null)
      this.timers.set(
        context.id,
        atExpiry(expiresAt, () => this.expire(context)),
      );
  }

  /** Stops the socket's clock (it disconnected). */
  forget(context: SocketContext): void {
    clearTimeout(this.timers.get(context.id)?.timer);
    this.timers.delete(context.id);
  }

  private expire(context: SocketContext): void {
    context.expired = true;
    context.socket.emit('auth:expired', new CaseroomError('token_expired', tokenExpiredMessage).toWire());
    context.log.info({ graceMs: this.graceMs }, 'token expired; waiting for a fresh one');
    this.timers.set(
      context.id,
      atExpiry(Date.now() + this.graceMs, () => {
        this.timers.delete(context.id);
        context.log.info('no fresh token in time; closing the connection');
        context.socket.disconnect(true);
      }),
    );
  }
}
