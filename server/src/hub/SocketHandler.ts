/**
 * How the hub answers a client request. The event table (shared/src/events.ts) says what each
 * request looks like; a handler gets the request already parsed against it and returns the answer,
 * and the acknowledgement is made here, one way for every event.
 */
import {
  readRequest,
  toWireError,
  type Ack,
  type CaseroomError,
  type ClientAnswer,
  type ClientEventName,
  type ClientRequest,
} from '@caseroom/shared';
import type { SocketContext } from './SocketContext.js';

/** Schedules `run` for once the acknowledgement has been handed to the socket (successful answers only). */
export type AfterReply = (run: () => void) => void;

/** Handles one client event: the request as its schema parsed it in, the answer (or a thrown CaseroomError) out. */
export type SocketHandler<E extends ClientEventName> = (
  context: SocketContext,
  request: ClientRequest<E>,
  afterReply: AfterReply,
) => ClientAnswer<E> | Promise<ClientAnswer<E>>;

/** Handlers of some client events; the hub's full set must name every event. */
export type SocketHandlers<E extends ClientEventName = ClientEventName> = { [K in E]: SocketHandler<K> };

/**
 * Reads the request of `event` from its arguments, runs its handler and answers `ack` with
 * `{ ok: true, ...answer }` or `{ ok: false, error }`. A request its schema refuses gets
 * `invalid_payload` and never reaches the handler. A client that sent no callback gets no answer,
 * and a failure that is not a CaseroomError is logged and reported as `internal_error` without detail.
 */
export async function runHandler<E extends ClientEventName>(
  event: E,
  handler: SocketHandler<E>,
  context: SocketContext,
  args: readonly unknown[],
  ack: unknown,
): Promise<void> {
  const reply = typeof ack === 'function' ? (ack as (response: Ack) => void) : () => undefined;
  const afterwards: Array<() => void> = [];
  try {
    const answer = await handler(context, readRequest(event, args), (run) => afterwards.push(run));
    reply({ ok: true, ...answer });
    for (const run of afterwards) run();
  } catch (err) {
    if ((err as CaseroomError | null)?.name !== 'CaseroomError') context.log.error({ err }, 'request failed');
    reply({ ok: false, error: toWireError(err) });
  }
}
