/** Socket handlers of the document plane: binary sync and awareness for joined cases. */
import { CaseroomError, decodeSyncMessage, encodeSyncStep2 } from '@caseroom/shared';
import { respond } from './respond.js';
import type { SocketHandlers } from './SocketContext.js';

export function documentHandlers(maxMessageBytes: number): SocketHandlers<'doc:sync' | 'doc:awareness'> {
  const checkBinary = (payload: unknown): Uint8Array => {
    if (!(payload instanceof Uint8Array)) throw new CaseroomError('invalid_payload', 'Expected a binary message', { field: 'message' });
    if (payload.byteLength > maxMessageBytes)
      throw new CaseroomError('payload_too_large', `Messages are limited to ${maxMessageBytes} bytes`);
    return payload;
  };

  return {
    'doc:sync': (context, caseId, message, ack) =>
      respond(ack, context.log, async () => {
        const room = context.roomOf(caseId);
        const sync = decodeSyncMessage(checkBinary(message));
        if (sync.type === 'step1') return { reply: encodeSyncStep2(room.diffFrom(sync.stateVector)) };
        // Nothing may be awaited before receiveUpdate: it applies synchronously, keeping this socket's order.
        await room.receiveUpdate(sync.update, context);
        return {};
      }),

    'doc:awareness': (context, caseId, update, ack) =>
      respond(ack, context.log, () => {
        context.roomOf(caseId).receiveAwareness(checkBinary(update), context);
        return {};
      }),
  };
}
