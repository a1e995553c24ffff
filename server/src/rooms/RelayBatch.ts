/**
 * One case's document updates on their way to this node's transports. The updates the room applies
 * in one turn of the event loop, or within `intervalMs` of its last relay, go out as one merged
 * update, the same for every transport: one frame per recipient instead of one per edit, whether it
 * speaks Socket.IO or y-websocket. An update after a quiet spell still goes out at the end of its
 * own turn. With several senders the merge goes to them too (their own part is a no-op for them),
 * so only a single sender is left out.
 */
import * as Y from 'yjs';
import type { RelayedUpdates, RoomConnection } from './RoomConnection.js';

interface Pending {
  updates: Uint8Array[];
  appliedAt: number[];
  senders: Set<RoomConnection | null>;
}

export class RelayBatch {
  /** null while nothing waits: a quiet room keeps no arrays */
  private pending: Pending | null = null;
  /** when the last batch went out (performance.now()) */
  private lastFlushAt = -Infinity;

  constructor(
    private readonly caseId: string,
    private readonly intervalMs: number,
    private readonly deliver: (relayed: RelayedUpdates) => void,
  ) {}

  add(update: Uint8Array, sender: RoomConnection | null): void {
    const now = performance.now();
    if (this.pending) {
      this.pending.updates.push(update);
      this.pending.appliedAt.push(now);
      this.pending.senders.add(sender);
      return;
    }
    this.pending = { updates: [update], appliedAt: [now], senders: new Set([sender]) };
    const wait = this.lastFlushAt + this.intervalMs - now;
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait).unref();
  }

  /** Drops what waits: the room is unloading, and nobody is left in it to relay to. */
  cancel(): void {
    this.pending = null;
  }

  private flush(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.lastFlushAt = performance.now();
    const { updates, appliedAt, senders } = pending;
    const [first] = senders;
    this.deliver({
      caseId: this.caseId,
      update: updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates),
      sender: senders.size === 1 ? (first ?? null) : null,
      appliedAt,
    });
  }
}
