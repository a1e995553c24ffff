import { CaseroomError, type Ack, type ClientToServerEvents, type ServerToClientEvents } from '@caseroom/shared';
import type { Socket } from 'socket.io-client';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Client events that take one request object and answer with an acknowledgement. */
type RequestEvent = {
  [E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]> extends [unknown, (response: never) => void] ? E : never;
}[keyof ClientToServerEvents];

type RequestOf<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
type AckOf<E extends RequestEvent> = ClientToServerEvents[E] extends (request: never, ack: (response: infer A) => void) => void ? A : never;
type AnswerOf<E extends RequestEvent> = Extract<AckOf<E>, { ok: true }>;

/**
 * Sends a request and resolves with the hub's answer, or rejects with a `CaseroomError` carrying
 * the refusal's code (`not_connected` at once while the socket is down: requests are not queued).
 * A request refused because the token expired is sent once more after `refresh` brought a fresh one.
 */
export async function request<E extends RequestEvent>(
  socket: ClientSocket,
  event: E,
  payload: RequestOf<E>,
  refresh?: () => Promise<boolean>,
): Promise<AnswerOf<E>> {
  try {
    return await send(socket, event, payload);
  } catch (err) {
    if (!refresh || (err as CaseroomError).code !== 'token_expired' || !(await refresh())) throw err;
    return send(socket, event, payload);
  }
}

function send<E extends RequestEvent>(socket: ClientSocket, event: E, payload: RequestOf<E>): Promise<AnswerOf<E>> {
  if (!socket.connected) return Promise.reject(new CaseroomError('not_connected', 'Not connected to the hub; try again once connected'));
  return new Promise((resolve, reject) => {
    const emit = socket.emit.bind(socket) as (event: string, payload: unknown, ack: (response: Ack<object>) => void) => void;
    emit(event, payload, (response) => {
      if (response.ok) resolve(response as AnswerOf<E>);
      else reject(CaseroomError.fromWire(response.error));
    });
  });
}
