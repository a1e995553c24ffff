/**
 * People whose tokens are refused from a moment on: someone who left the team, or a token that
 * leaked. Kept in the store (it survives restarts and every node reads it) and in memory here,
 * since every verification asks. A revocation is announced once per node, when it is news there:
 * made here, or heard from another node (the cluster carries it; see cluster/relayChanges.ts).
 */
import type { ChangeSource, DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import type { CaseStore, NewCaseEvent } from '../store/CaseStore.js';

export class Revocations {
  private constructor(
    private readonly store: Pick<CaseStore, 'people'>,
    private readonly changes: DomainChanges,
    private readonly log: Logger,
    private readonly revokedAt: Map<string, number>,
  ) {}

  static async load(store: Pick<CaseStore, 'people'>, changes: DomainChanges, log: Logger): Promise<Revocations> {
    return new Revocations(store, changes, log, await store.people.revocations());
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
    this.apply(userId, at, 'local');
    return at;
  }

  /** A revocation another node made (and stored). */
  heard(userId: string, at: number): void {
    this.apply(userId, at, 'peer');
  }

  /** Reads every stored revocation again: after the cluster bus reconnected, some may not have been heard. */
  async reload(): Promise<void> {
    for (const [userId, at] of await this.store.people.revocations()) this.apply(userId, at, 'peer');
  }

  private apply(userId: string, at: number, source: ChangeSource): void {
    if ((this.revokedAt.get(userId) ?? -Infinity) >= at) return;
    this.revokedAt.set(userId, at);
    this.log.info({ userId, at: new Date(at).toISOString() }, 'person revoked; closing their connections');
    this.changes.announce({ kind: 'revoked', userId, at, source });
  }
}
