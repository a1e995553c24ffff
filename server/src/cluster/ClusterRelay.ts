/**
 * Carries what this node's connections changed to the other nodes, and applies what they changed
 * to the rooms open here. Updates that came from a peer are never sent on again.
 */
import type { CaseRooms } from '../rooms/CaseRooms.js';
import type { PeerRelay } from '../rooms/RoomConnection.js';
import type { ClusterBus } from './ClusterBus.js';

export class ClusterRelay implements PeerRelay {
  constructor(
    private readonly bus: ClusterBus,
    rooms: CaseRooms,
  ) {
    bus.onMessage((message) => {
      if (message.kind !== 'doc' && message.kind !== 'awareness') return;
      const room = rooms.get(message.caseId);
      if (!room) return;
      if (message.kind === 'doc') room.receiveFromPeer(message.payload);
      else room.receiveAwarenessFromPeer(message.payload);
    });
    bus.onReconnect(() => rooms.catchUpAll());
  }

  publishUpdate(caseId: string, update: Uint8Array): void {
    this.bus.publish({ kind: 'doc', caseId, payload: update });
  }

  publishAwareness(caseId: string, update: Uint8Array): void {
    this.bus.publish({ kind: 'awareness', caseId, payload: update });
  }
}
