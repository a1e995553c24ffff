/**
 * The case event log: every change, stored in order before anyone hears of it. Writers either
 * hand events to the store together with the change they describe, or record standalone events
 * (presence, document changes) here; the store says when events were appended, and the log wakes
 * subscribers then. Subscribers are woken, never sent events directly: they read from the store
 * after their cursor, so a slow or late subscriber cannot miss or repeat one. "New events are
 * stored" is announced as a domain change, which the cluster carries to the other nodes and
 * brings back from them.
 */
import { CaseroomError, logStart, type CaseEvent, type CaseEventType, type Identity, type Person } from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import type { CaseStore, EventQuery, NewCaseEvent } from '../store/CaseStore.js';
import { expiredEventCursor } from '../store/EventStore.js';

export function personOf(who: Identity | Person): Person {
  return { userId: who.userId, name: who.name, role: who.role };
}

/** Builds an event for a case whose team is known. */
export function caseEvent(
  caseRef: { id: string; team: string },
  type: CaseEventType,
  actor: Identity | Person | null,
  data: Record<string, unknown>,
  at = new Date(),
): NewCaseEvent {
  return { caseId: caseRef.id, team: caseRef.team, type, at: at.toISOString(), actor: actor ? personOf(actor) : null, data };
}

export class EventLog {
  /** case id -> team; a case never changes team */
  private readonly teams = new Map<string, string>();
  /** standalone records still being written; shutdown waits for them */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: Pick<CaseStore, 'events' | 'cases'>,
    private readonly log: Logger,
    private readonly changes: DomainChanges,
  ) {
    store.events.onAppended((teams) => this.wake(teams));
  }

  /** Stores standalone events of a case (the store's append wakes subscribers). */
  async record(caseId: string, type: CaseEventType, actor: Identity | Person | null, data: Record<string, unknown>): Promise<void> {
    const team = await this.teamOf(caseId);
    if (team === null) return;
    await this.store.events.append([caseEvent({ id: caseId, team }, type, actor, data)]);
  }

  /** Like `record`, but never throws: for producers that cannot act on a failure. */
  recordQuietly(caseId: string, type: CaseEventType, actor: Identity | Person | null, data: Record<string, unknown>): void {
    const writing = this.record(caseId, type, actor, data)
      .catch((err: unknown) => this.log.error({ err, caseId, type }, 'recording a case event failed'))
      .finally(() => this.inFlight.delete(writing));
    this.inFlight.add(writing);
  }

  /** Resolves when every standalone record under way is written (used on shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Says that new events of `teams` are stored on this node: the subscribers they may concern,
   * here and on every other node, wake.
   */
  wake(teams: readonly string[]): void {
    this.changes.announce({ kind: 'events', source: 'local', teams });
  }

  /**
   * Calls `listener` after new events are stored, on this node or another; returns a function that
   * stops it. With `team`, only after events that may be of that team: a write of other teams'
   * events alone cannot add to what a reader of that team's feed reads, so it need not read again.
   */
  onWake(listener: () => void, team?: string): () => void {
    if (team === undefined) return this.changes.on('events', () => listener());
    return this.changes.on('events', ({ teams }) => {
      if (teams === undefined || teams.includes(team)) listener();
    });
  }

  read(query: EventQuery): Promise<CaseEvent[]> {
    return this.store.events.read(query);
  }

  forCase(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    return this.store.events.forCase(caseId, afterSeq, limit);
  }

  /**
   * Where a subscription starts: before the oldest event kept for `'start'`, after `after` if
   * given (refused with `invalid_cursor` when it is not an event id or lies ahead of the newest
   * event, with `cursor_expired` when events after it were trimmed), else after the newest event.
   */
  async startingPoint(after: string | undefined): Promise<string> {
    const { events } = this.store;
    if (after === logStart) return events.oldest();
    const head = await events.lastId();
    if (after === undefined) return head;
    const order = events.compare(after, head);
    if (order === null) throw new CaseroomError('invalid_cursor', 'The cursor is not the id of a stored event');
    if (order > 0) throw new CaseroomError('invalid_cursor', 'The cursor is ahead of the newest event');
    const oldest = await events.oldest();
    if (events.compare(after, oldest)! < 0) throw expiredEventCursor(oldest);
    return after;
  }

  /** The newest event id (see EventStore.lastId): a reader that read everything after its cursor up to here may move to it. */
  lastId(): Promise<string> {
    return this.store.events.lastId();
  }

  /** Orders two event ids (negative: a is older); null when either is not an event id. */
  compare(a: string, b: string): number | null {
    return this.store.events.compare(a, b);
  }

  /** The oldest cursor still available (see EventStore.oldest). */
  oldest(): Promise<string> {
    return this.store.events.oldest();
  }

  private async teamOf(caseId: string): Promise<string | null> {
    const known = this.teams.get(caseId);
    if (known) return known;
    const record = await this.store.cases.get(caseId);
    if (record) this.teams.set(caseId, record.team);
    return record?.team ?? null;
  }
}
