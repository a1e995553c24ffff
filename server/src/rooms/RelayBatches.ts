/**
 * Document updates waiting to be relayed, per case. The updates a case gets in one turn of the
 * event loop (or within `intervalMs` of the last relay, when set) go out as one merged update: one
 * frame per recipient instead of one per edit. An update after a quiet spell still goes out at the
 * end of its own turn. With several senders the merge goes to them too (their own part is a no-op
 * for them), so only a single sender is left out.
 */
import * as Y from 'yjs';
import type { RoomConnection } from './RoomConnection.js';

export interface RelayBatch {
  caseId: string;
  /** every update of the batch, merged */
  update: Uint8Array;
  /** the one connection all of them came from, which need not get them back; else null */
  sender: RoomConnection | null;
  /** when each of them was applied (performance.now()) */
  appliedAt: number[];
}

interface Pending {
  updates: Uint8Array[];
  appliedAt: number[];
  senders: Set<RoomConnection | null>;
}

export class RelayBatches {
  private readonly pending = new Map<string, Pending>();
  private scheduled = false;
  /** when the last batches went out (performance.now()) */
  private lastFlushAt = -Infinity;

  constructor(
    private readonly deliver: (batch: RelayBatch) => void,
    private readonly intervalMs = 0,
  ) {}

  add(caseId: string, update: Uint8Array, sender: RoomConnection | null): void {
    let pending = this.pending.get(caseId);
    if (!pending) this.pending.set(caseId, (pending = { updates: [], appliedAt: [], senders: new Set() }));
    pending.updates.push(update);
    pending.appliedAt.push(performance.now());
    pending.senders.add(sender);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlushAt + this.intervalMs - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait).unref();
  }

  private flush(): void {
    this.scheduled = false;
    this.lastFlushAt = performance.now();
    for (const [caseId, { updates, appliedAt, senders }] of this.pending) {
      const [first] = senders;
      this.deliver({
        caseId,
        update: updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates),
        sender: senders.size === 1 ? (first ?? null) : null,
        appliedAt,
      });
    }
    this.pending.clear();
  }
}
