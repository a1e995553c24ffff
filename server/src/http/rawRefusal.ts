/**
 * A refusal written straight to a socket, for the moments no framework stands between the client
 * and the hub: an HTTP upgrade refused before it happens, a request Node's parser throws out before
 * express sees it. The same JSON body as every other refusal, then the connection closes.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { CaseroomError } from '@caseroom/shared';

export function refuseOnSocket(socket: Duplex, err: unknown): void {
  const error = err instanceof CaseroomError ? err : new CaseroomError('internal_error');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ ok: false, error: error.toWire() });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * What Node's HTTP parser rejected (`clientError`): headers over its limit are 431
 * `headers_too_large`, anything else that is not HTTP a 400 `invalid_payload`. A client's mistake,
 * answered with a body and never logged as an error.
 */
export function refuseUnparsable(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET') return void socket.destroy();
  refuseOnSocket(
    socket,
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new CaseroomError('headers_too_large')
      : new CaseroomError('invalid_payload', 'The request is not well-formed HTTP'),
  );
}
