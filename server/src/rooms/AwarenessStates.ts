/**
 * The awareness states of one case room (cursors, selections, typing), kept by the rules of
 * y-protocols' Awareness, so clients see no difference: an entry wins with a higher clock, or with
 * the same clock when it removes a state still present, and a state its client stopped renewing
 * goes after `awarenessTimeoutMs`. Unlike Awareness it has no event emitter, no timer and no
 * local state of its own: a hub keeps one per open case, its room relays what changed, and one
 * sweep over all rooms (`expire`) drops the outdated states.
 */
import { encodeAwarenessUpdate, type AwarenessEntry } from '@caseroom/shared';

/** How long a state lives without being renewed (y-protocols' `outdatedTimeout`); clients renew at half of it. */
export const awarenessTimeoutMs = 30_000;

interface ClientAwareness {
  clock: number;
  /** null once removed: the clock stays known, so an older update of it is refused */
  state: Record<string, unknown> | null;
  /** ms since the epoch of the last entry that changed it */
  lastUpdated: number;
}

export class AwarenessStates {
  private readonly clients = new Map<number, ClientAwareness>();

  /**
   * Applies decoded entries, as y-protocols' `applyAwarenessUpdate` does. Answers the client ids
   * whose entry was taken and matters to others (what Awareness reports in its `update` event).
   */
  apply(entries: readonly AwarenessEntry[], now: number): number[] {
    const changed: number[] = [];
    for (const { clientId, clock, state } of entries) {
      const known = this.clients.get(clientId);
      const current = known?.clock ?? 0;
      if (current < clock || (current === clock && state === null && known?.state != null)) {
        this.clients.set(clientId, { clock, state, lastUpdated: now });
        // A removal of a client never seen is recorded (its clock) but news to nobody.
        if (known !== undefined || state !== null) changed.push(clientId);
      }
    }
    return changed;
  }

  /** Removes the states of these clients (their connection left); answers those that had one. */
  remove(clientIds: readonly number[]): number[] {
    const removed: number[] = [];
    for (const clientId of clientIds) {
      const known = this.clients.get(clientId);
      if (known?.state == null) continue;
      // The clock stays: others take a null state at the same clock as a removal.
      known.state = null;
      removed.push(clientId);
    }
    return removed;
  }

  /** Removes the states not renewed within `timeoutMs` of `now`; answers their client ids. */
  expire(now: number, timeoutMs = awarenessTimeoutMs): number[] {
    const outdated: number[] = [];
    for (const [clientId, known] of this.clients) if (known.state !== null && timeoutMs <= now - known.lastUpdated) outdated.push(clientId);
    return outdated.length > 0 ? this.remove(outdated) : outdated;
  }

  /** The update that tells others the current entries of these clients. */
  encode(clientIds: readonly number[]): Uint8Array {
    return encodeAwarenessUpdate(clientIds.map((clientId) => ({ clientId, ...this.entryOf(clientId) })));
  }

  /** Every present state, encoded for a newcomer; null when there is none. */
  snapshot(): Uint8Array | null {
    const present: number[] = [];
    for (const [clientId, known] of this.clients) if (known.state !== null) present.push(clientId);
    return present.length > 0 ? this.encode(present) : null;
  }

  /** The present state of each client, by client id. */
  states(): Map<number, Record<string, unknown>> {
    const states = new Map<number, Record<string, unknown>>();
    for (const [clientId, known] of this.clients) if (known.state !== null) states.set(clientId, known.state);
    return states;
  }

  private entryOf(clientId: number): { clock: number; state: Record<string, unknown> | null } {
    const known = this.clients.get(clientId);
    return { clock: known?.clock ?? 0, state: known?.state ?? null };
  }
}
