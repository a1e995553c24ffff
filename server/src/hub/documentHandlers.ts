/** Socket handlers of the document plane: binary sync and awareness for joined cases. */
import { decodeSyncMessage, encodeSyncStep2 } from '@caseroom/shared';
import type { SocketHandlers } from './SocketHandler.js';

export function documentHandlers(): SocketHandlers<'doc:sync' | 'doc:awareness'> {
  return {
    'doc:sync': async (context, { caseId, message }) => {
      const room = context.roomOf(caseId);
      // The update inside is decoded once, by the room's gate.
      const sync = decodeSyncMessage(message, { checkUpdate: false });
      if (sync.type === 'step1') return { reply: encodeSyncStep2(room.diffFrom(sync.stateVector)) };
      // Nothing may be awaited before receiveUpdate: it applies synchronously, keeping this socket's order.
      await room.receiveUpdate(sync.update, context);
      return {};
    },

    'doc:awareness': (context, { caseId, message }) => {
      context.roomOf(caseId).receiveAwareness(message, context);
      return {};
    },
  };
}
