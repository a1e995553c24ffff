import type { SocketData } from '@caseroom/shared';
import { CaseroomError } from '@caseroom/shared';
import type { Socket } from 'socket.io';
import type { Access } from '../identity/Access.js';
import type { Logger } from '../logger.js';

/** The connect error a refused socket sees: `err.message` and `err.data.code`. */
class ConnectRefused extends Error {
  readonly data: { code: string; message: string };
  constructor(error: CaseroomError) {
    super(error.message);
    this.data = { code: error.code, message: error.message };
  }
}

/** Socket.IO middleware: `io(url + '/cases', { auth: { token } })` must carry a valid JWT. */
export function socketAuth(access: Access, log: Logger) {
  return async (socket: Socket<never, never, never, SocketData>, next: (err?: Error) => void): Promise<void> => {
    try {
      const { token, ...rest } = (socket.handshake.auth ?? {}) as { token?: unknown };
      socket.data = await access.verify(token);
      // Nothing reads the token again, and a socket can live for hours: the handshake does not keep it.
      socket.handshake.auth = rest;
      next();
    } catch (err) {
      const error = err instanceof CaseroomError ? err : new CaseroomError('invalid_token');
      log.info({ socketId: socket.id, code: error.code, address: socket.handshake.address }, 'connection refused');
      next(new ConnectRefused(error));
    }
  };
}
