/**
 * People whose tokens are refused from a moment on: someone who left the team, or a token that
 * leaked. Kept in the store (it survives restarts and every node reads it) and in memory here,
 * since every verification asks. A revocation made on one node reaches the others over the cluster
 * bus within the bus's latency; a node whose bus reconnects reads the whole list again, since
 * pub/sub loses what was said while it was away.
 */
import type { ClusterBus } from '../cluster/ClusterBus.js';
import type { Logger } from '../logger.js';
import type { CaseStore, NewCaseEvent } from '../store/CaseStore.js';

export type RevocationListener = (userId: string, at: number) => void;

export class Revocations {
  private readonly revokedAt: Map<string, number>;
  private readonly listeners: RevocationListener[] = [];

  private constructor(
    private readonly store: Pick<CaseStore, 'people'>,
    private readonly bus: ClusterBus,
    private readonly log: Logger,
    stored: Map<string, number>,
  ) {
    this.revokedAt = stored;
    bus.onMessage((message) => {
      if (message.kind !== 'revoked') return;
      const told = decodeRevocation(message.payload);
      if (told) this.apply(told.userId, told.at);
    });
    bus.onReconnect(() => {
      this.reload().catch((err: unknown) => log.warn({ err }, 'reading revocations again after the bus reconnected failed'));
    });
  }

  static async load(store: Pick<CaseStore, 'people'>, bus: ClusterBus, log: Logger): Promise<Revocations> {
    return new Revocations(store, bus, log, await store.people.revocations());
  }

  /**
   * Whether a token of `userId` issued at `issuedAt` (ms; null when the token does not say) is
   * refused. A token's `iat` has whole seconds, so one issued in the very second of the
   * revocation is refused too: better a fresh sign-in than a token from before it let through.
   */
  refuses(userId: string, issuedAt: number | null): boolean {
    const at = this.revokedAt.get(userId);
    return at !== undefined && (issuedAt === null || issuedAt <= at);
  }

  /**
   * Refuses every token of `userId` issued up to now, on every node; resolves with that moment once
   * stored, together with the events `eventsAt` makes for it.
   */
  async revoke(userId: string, eventsAt: (at: number) => NewCaseEvent[] = () => [], at = Date.now()): Promise<number> {
    await this.store.people.revoke(userId, at, eventsAt(at));
    this.bus.publish({ kind: 'revoked', caseId: '', payload: encodeRevocation(userId, at) });
    this.apply(userId, at);
    return at;
  }

  /** Calls `listener` for each person revoked from now on, on this node or another. */
  onRevoked(listener: RevocationListener): void {
    this.listeners.push(listener);
  }

  private async reload(): Promise<void> {
    for (const [userId, at] of await this.store.people.revocations()) this.apply(userId, at);
  }

  private apply(userId: string, at: number): void {
    if ((this.revokedAt.get(userId) ?? -Infinity) >= at) return;
    this.revokedAt.set(userId, at);
    this.log.info({ userId, at: new Date(at).toISOString() }, 'person revoked; closing their connections');
    for (const listener of this.listeners) listener(userId, at);
  }
}

function encodeRevocation(userId: string, at: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ userId, at }));
}

function decodeRevocation(payload: Uint8Array): { userId: string; at: number } | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(payload)) as { userId?: unknown; at?: unknown };
    return typeof value.userId === 'string' && typeof value.at === 'number' ? { userId: value.userId, at: value.at } : null;
  } catch {
    return null;
  }
}
