/**
 * Socket.IO packet middleware that stands between a client and the handlers: size and rate
 * limits, and an answer for events nobody handles. Each refusal goes to the sender's callback.
 */
import { CaseroomError } from '@caseroom/shared';
import type { Socket } from 'socket.io';
import type { ConnectionLimiter } from '../limits/ConnectionLimiter.js';
import { messageSize } from '../limits/messageSize.js';
import type { Logger } from '../logger.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';

type Packet = unknown[];
type Next = (err?: Error) => void;

/**
 * Refuses, before any handler runs, a message over the size limit or over the socket's rate
 * limits: the sender's callback gets the error and the message goes no further. Every answer a
 * handler gives later passes through here too: refusals are counted, and `afterReply` runs (the
 * slow-consumer check, since an answer can be far larger than the question).
 */
export function admitPackets(
  limiter: ConnectionLimiter,
  maxMessageBytes: number,
  log: Logger,
  metrics: HubMetrics | undefined,
  afterReply: () => void,
) {
  let limited = false;
  return (packet: Packet, next: Next): void => {
    const last = packet.at(-1);
    const ack =
      typeof last === 'function'
        ? (response: unknown): void => {
            const code = (response as { ok?: unknown; error?: { code?: unknown } } | null)?.error?.code;
            if (typeof code === 'string') metrics?.messageRefused('socket.io', code);
            (last as (response: unknown) => void)(response);
            afterReply();
          }
        : undefined;
    if (ack) packet[packet.length - 1] = ack;
    const refuse = (error: CaseroomError): void => {
      if (ack) ack({ ok: false, error: error.toWire() });
      else metrics?.messageRefused('socket.io', error.code);
    };
    const size = messageSize(packet);
    if (size > maxMessageBytes) return refuse(new CaseroomError('payload_too_large', `Messages are limited to ${maxMessageBytes} bytes`));
    try {
      limiter.admit(size);
      limited = false;
    } catch (err) {
      // One line per episode of flooding, not one per refused message.
      if (!limited) log.warn({ event: String(packet[0]).slice(0, 64) }, 'rate limit reached; refusing messages');
      limited = true;
      return refuse(err as CaseroomError);
    }
    next();
  };
}

/** Answers `invalid_payload` (field `event`) to an event no handler listens to, instead of silence. */
export function refuseUnknownEvents(socket: Pick<Socket, 'listenerCount'>) {
  return (packet: Packet, next: Next): void => {
    const [event] = packet;
    if (typeof event === 'string' && socket.listenerCount(event) > 0) return next();
    const ack = packet.at(-1);
    const error = new CaseroomError('invalid_payload', `Unknown event ${JSON.stringify(String(event)).slice(0, 80)}`, { field: 'event' });
    if (typeof ack === 'function') (ack as (response: unknown) => void)({ ok: false, error: error.toWire() });
  };
}
