/**
 * The awareness of one case room and who may speak for it. Each awareness client id belongs to the
 * connection that announced it: another connection's entries for it are dropped, so nobody moves
 * someone else's cursor or says they stopped typing, and when a connection leaves, the states it
 * announced go with it. Every state passes the room's awareness filter (the people plane's policy)
 * before others see it. Each method answers the client ids whose entry changed, for the room to relay.
 */
import { decodeAwarenessUpdate } from '@caseroom/shared';
import { AwarenessStates } from './AwarenessStates.js';
import type { RoomConnection } from './RoomConnection.js';

export type AwarenessFilter = (state: Record<string, unknown>, from: RoomConnection) => Record<string, unknown>;

export class RoomAwareness {
  private readonly states = new AwarenessStates();
  /** awareness client id -> the id of the connection that announced it */
  private readonly owners = new Map<number, string>();

  constructor(private readonly filter: AwarenessFilter | undefined) {}

  /** Applies an awareness update from a connection in the room. */
  receive(update: Uint8Array, from: RoomConnection): number[] {
    const accepted = decodeAwarenessUpdate(update).filter((entry) => {
      const speaker = this.owners.get(entry.clientId);
      return speaker === undefined || speaker === from.id;
    });
    for (const entry of accepted) {
      if (entry.state === null) {
        this.owners.delete(entry.clientId);
      } else {
        this.owners.set(entry.clientId, from.id);
        if (this.filter) entry.state = this.filter(entry.state, from);
      }
    }
    return accepted.length > 0 ? this.states.apply(accepted, Date.now()) : [];
  }

  /** Applies an awareness update another hub node relayed (its own connections' states, filtered there). */
  receiveFromPeer(update: Uint8Array): number[] {
    return this.states.apply(decodeAwarenessUpdate(update), Date.now());
  }

  /** Removes the states a connection announced (it left the room). */
  forget(connection: RoomConnection): number[] {
    const announced: number[] = [];
    for (const [clientId, owner] of this.owners) if (owner === connection.id) announced.push(clientId);
    if (announced.length === 0) return announced;
    for (const clientId of announced) this.owners.delete(clientId);
    return this.states.remove(announced);
  }

  /** Drops the states their clients stopped renewing. */
  expire(now: number): number[] {
    return this.states.expire(now);
  }

  /** The update that tells others the current entries of these clients. */
  encode(clientIds: readonly number[]): Uint8Array {
    return this.states.encode(clientIds);
  }

  /** Every awareness state currently known, encoded for a newcomer; null when there is none. */
  snapshot(): Uint8Array | null {
    return this.states.snapshot();
  }
}
