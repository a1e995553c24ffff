/**
 * The case event log: appended to with the change each event describes (see CaseStore), or on its
 * own; read after a cursor by bots, webhooks and subscriptions. Readers are told that events were
 * appended, never handed them: they read from their cursor on, so none is missed or repeated.
 * The oldest events are trimmed by age, always a prefix of the log: the store remembers the id of
 * the last event trimmed, and a cursor before it is refused with `cursor_expired` (never a gap).
 */
import { CaseroomError, type CaseEvent, type CaseEventType, type Person } from '@caseroom/shared';

/** An event to append; the store gives it its id and per-case sequence number. */
export interface NewCaseEvent {
  caseId: string;
  team: string;
  type: CaseEventType;
  at: string;
  actor: Person | null;
  data: Record<string, unknown>;
}

export interface EventQuery {
  /**
   * only events after this id (exclusive); refused with `invalid_cursor` when not an event id of
   * this store, with `cursor_expired` when it lies before the oldest cursor (`oldest()`)
   */
  after?: string | undefined;
  team?: string | undefined;
  caseIds?: readonly string[] | undefined;
  types?: readonly CaseEventType[] | undefined;
  limit: number;
}

export interface EventStore {
  /** Appends events on their own (presence, document changes), in one write. */
  append(events: readonly NewCaseEvent[]): Promise<CaseEvent[]>;
  /** Events in id order. */
  read(query: EventQuery): Promise<CaseEvent[]>;
  /**
   * One case's events with sequence number above `afterSeq`, in order; `cursor_expired` (with the
   * oldest `afterSeq` still available) when an event of the case after `afterSeq` was trimmed.
   */
  forCase(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]>;
  /**
   * Numbers a case's next event `seq + 1` (unless it is numbered further already): for an imported
   * case whose first `seq` events the source had trimmed, so its kept events keep their numbers.
   */
  numberAfter(caseId: string, seq: number): Promise<void>;
  /** The newest event id (or the last one trimmed, when every event was); before the first event, `beginning`. */
  lastId(): Promise<string>;
  /** The oldest cursor still available: the id of the last event trimmed, or `beginning` before any trim. */
  oldest(): Promise<string>;
  /**
   * Removes up to `limit` of the oldest events, each stored before `before` (ms), and moves the
   * oldest cursor past them; answers how many it removed. Idempotent: every hub node may run it.
   */
  trim(before: number, limit: number): Promise<number>;
  /** A cursor before every event: reading after it starts at the first event kept. */
  readonly beginning: string;
  /** Orders two event ids (negative: a is older); null when either is not an event id of this store. */
  compare(a: string, b: string): number | null;
  /**
   * Calls `listener` once after each write through this store that stored events commits (any
   * aggregate's: a new case, an ownership change, a revocation…), never for a write that stored
   * none or was refused, with the teams of the events it stored (each once). Writes made by other
   * hub nodes are not heard here. The listener runs before the write's promise settles and must
   * not throw. Returns a function that stops it.
   */
  onAppended(listener: (teams: readonly string[]) => void): () => void;
}

/*
 * The rules of numbering and reading events that every backend follows (each stores and numbers
 * events inside its own transaction, so the numbering itself is done there): a case's events are
 * numbered 1, 2, 3… in the order they were appended, the events of one write in the order given.
 */

/** The event a store answers for `event` once stored under `id` as its case's `seq`th. */
export function storedEvent(event: NewCaseEvent, id: string, seq: number): CaseEvent {
  return { id, caseId: event.caseId, seq, type: event.type, at: event.at, actor: event.actor, data: event.data };
}

/** Where a read of one case's events after `afterSeq` starts, and how many it returns; null for none. */
export function caseEventRange(afterSeq: number, limit: number): { firstSeq: number; limit: number } | null {
  if (!(limit >= 1)) return null;
  return { firstSeq: Math.max(0, Math.floor(afterSeq)) + 1, limit: Math.floor(limit) };
}

/** Whether a query cannot match any event (no room for one, or an empty list of cases or types). */
export function readsNothing(query: EventQuery): boolean {
  return !(query.limit >= 1) || query.caseIds?.length === 0 || query.types?.length === 0;
}

export function invalidEventCursor(): CaseroomError {
  return new CaseroomError('invalid_cursor', 'The cursor is not the id of a stored event');
}

/**
 * A cursor before the oldest one kept: `oldest` is what to pass as `after` instead (an event id,
 * or a case's sequence number for reads by case), reading from it loses nothing still stored.
 */
export function expiredEventCursor(oldest: string | number): CaseroomError {
  return new CaseroomError(
    'cursor_expired',
    'Events after this cursor were removed by the retention policy; resume from details.oldest to read what is kept',
    { details: { oldest } },
  );
}
