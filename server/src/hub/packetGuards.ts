/**
 * What stands between a client's packet and its handler: size and rate limits, argument shape,
 * and an answer for events nobody handles. Each refusal goes to the sender's callback.
 */
import { argumentCount, CaseroomError, isClientEvent } from '@caseroom/shared';
import { messageSize } from '../limits/messageSize.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';
import type { SocketContext } from './SocketContext.js';

type Packet = unknown[];
type Callback = (response: unknown) => void;

/**
 * Refuses, before any handler runs, a message over the size limit or over the socket's rate
 * limits: the sender's callback gets the error, and the answer is false. Every answer a handler
 * gives later passes through here too: refusals are counted, and `afterReply` runs (the
 * slow-consumer check, since an answer can be far larger than the question).
 */
export function admitPacket(
  context: SocketContext,
  packet: Packet,
  maxMessageBytes: number,
  metrics: HubMetrics | undefined,
  afterReply: () => void,
): boolean {
  const last = packet.at(-1);
  const ack =
    typeof last === 'function'
      ? (response: unknown): void => {
          const code = (response as { ok?: unknown; error?: { code?: unknown } } | null)?.error?.code;
          if (typeof code === 'string') metrics?.messageRefused('socket.io', code);
          (last as Callback)(response);
          afterReply();
        }
      : undefined;
  if (ack) packet[packet.length - 1] = ack;
  const refuse = (error: CaseroomError): false => {
    if (ack) ack({ ok: false, error: error.toWire() });
    else metrics?.messageRefused('socket.io', error.code);
    return false;
  };
  const size = messageSize(packet);
  if (size > maxMessageBytes) return refuse(new CaseroomError('payload_too_large', `Messages are limited to ${maxMessageBytes} bytes`));
  try {
    context.limiter.admit(size);
    context.rateLimited = false;
  } catch (err) {
    // One line per episode of flooding, not one per refused message.
    if (!context.rateLimited) context.log.warn({ event: String(packet[0]).slice(0, 64) }, 'rate limit reached; refusing messages');
    context.rateLimited = true;
    return refuse(err as CaseroomError);
  }
  return true;
}

/**
 * Socket.IO hands the acknowledgement callback over as the last argument, wherever that falls.
 * A client that sends too few or too many arguments would otherwise get its callback treated as a
 * payload and never hear back; this pads or trims the payload to the arguments the event table
 * gives the event (one for an event nobody handles), so the callback lands in its place and the
 * request can be refused properly.
 */
export function normalizeArguments(packet: Packet): void {
  const [event] = packet;
  const ack = typeof packet.at(-1) === 'function' ? packet.pop() : undefined;
  const want = 1 + (isClientEvent(event) ? argumentCount(event) : 1);
  while (packet.length < want) packet.push(undefined);
  packet.length = want;
  if (ack) packet.push(ack);
}

/** Answers `invalid_payload` (field `event`) to an event no handler takes, instead of silence. */
export function refuseUnknownEvent(packet: Packet): void {
  const [event] = packet;
  refusePacket(
    packet,
    new CaseroomError('invalid_payload', `Unknown event ${JSON.stringify(String(event)).slice(0, 80)}`, { field: 'event' }),
  );
}

/** Answers a packet's callback (if it sent one) with `error`; its handler does not run. */
export function refusePacket(packet: Packet, error: CaseroomError): void {
  const ack = packet.at(-1);
  if (typeof ack === 'function') (ack as Callback)({ ok: false, error: error.toWire() });
}
