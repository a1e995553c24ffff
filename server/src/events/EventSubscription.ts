/**
 * One subscriber's position in the event log. Woken whenever events it may read are stored (any
 * event for a scope without a team, that team's for a team feed), it reads what came after its
 * cursor (filtered), hands it over, and waits for the hand-over to finish before reading on.
 * Replay and live delivery are the same loop, so the seam between them has no gap and no
 * duplicate. A read that comes back short of its limit covered the whole log up to the head taken
 * before it, so the cursor moves to that head even when nothing matched: a subscriber with a narrow
 * filter or quiet cases is not ended for events it would never have read (the subscriber is told,
 * at most every few seconds, so it can resume from there). A subscriber that falls so far behind
 * that the retention policy removes events it has not read is ended with `cursor_expired`, never
 * moved past them.
 */
import { CaseroomError, type CaseEvent, type CaseEventType } from '@caseroom/shared';
import type { Logger } from '../logger.js';
import type { EventLog } from './EventLog.js';

const batchSize = 100;
/** How often at most the subscriber hears that its cursor moved past events it does not read. */
export const caughtUpEveryMs = 5_000;

export interface SubscriptionScope {
  team?: string | undefined;
  caseIds?: readonly string[] | undefined;
  types?: readonly CaseEventType[] | undefined;
}

export class EventSubscription {
  private cursor: string | null;
  private running = false;
  private again = false;
  private stopped = false;
  /** the first event of the batch being handed over, until the subscriber has taken it */
  private handingOver: CaseEvent | null = null;
  private unsubscribe: () => void = () => undefined;
  /** the cursor last told to the subscriber through `caughtUp`, and when */
  private told: string | null;
  private toldAt = 0;
  private tellTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Pick<EventLog, 'read' | 'onWake' | 'lastId' | 'compare'>,
    private readonly scope: SubscriptionScope,
    after: string | null,
    /** resolves when the subscriber has taken the batch */
    private readonly deliver: (events: CaseEvent[]) => Promise<void>,
    private readonly logger: Logger,
    /** called once if the subscription ends by itself (its cursor expired); it is stopped then */
    private readonly ended: (error: CaseroomError) => void = () => undefined,
    /** told (at most every `caughtUpEveryMs`) that the cursor moved past events that did not match */
    private readonly caughtUp: (cursor: string) => void = () => undefined,
  ) {
    this.cursor = after;
    this.told = after;
  }

  /** Starts delivering (after the subscriber has learnt the subscription's id). */
  start(): void {
    // A scope with a team reads only that team's events, so other teams' writes need no read.
    this.unsubscribe = this.log.onWake(() => this.pump(), this.scope.team);
    this.pump();
  }

  /** The id of the last event handed over (or the starting cursor). */
  get position(): string | null {
    return this.cursor;
  }

  /** Seconds since the oldest event handed over but not yet taken; 0 when the subscriber keeps up. */
  lagSeconds(now = Date.now()): number {
    return this.handingOver ? Math.max(0, (now - Date.parse(this.handingOver.at)) / 1000) : 0;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.tellTimer) clearTimeout(this.tellTimer);
    this.tellTimer = null;
  }

  private pump(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        // Taken before the read: whatever is appended after it is read next time.
        const head = await this.log.lastId();
        const events = await this.log.read({ ...this.scope, after: this.cursor ?? undefined, limit: batchSize });
        if (this.stopped) return;
        if (events.length > 0) {
          this.handingOver = events[0]!;
          try {
            await this.deliver(events);
          } finally {
            this.handingOver = null;
          }
          if (this.stopped) return;
          this.cursor = events.at(-1)!.id;
        }
        if (events.length < batchSize) {
          this.moveTo(head);
          return;
        }
      }
    } catch (err) {
      if (err instanceof CaseroomError && err.code === 'cursor_expired' && !this.stopped) {
        this.logger.warn({ after: this.cursor, oldest: err.details?.oldest }, 'event subscription cursor expired');
        this.stop();
        this.ended(err);
        return;
      }
      this.logger.warn({ err }, 'event delivery stopped');
    }
  }

  /** Moves the cursor to `head` (never back), and tells the subscriber soon. */
  private moveTo(head: string): void {
    if (this.cursor !== null && !((this.log.compare(head, this.cursor) ?? 0) > 0)) return;
    this.cursor = head;
    if (this.tellTimer) return;
    const wait = Math.max(0, this.toldAt + caughtUpEveryMs - Date.now());
    this.tellTimer = setTimeout(() => {
      this.tellTimer = null;
      // The cursor may have moved on through delivered events, which the subscriber knows already.
      if (this.stopped || this.cursor === null || this.cursor === this.told || this.handingOver) return;
      this.told = this.cursor;
      this.toldAt = Date.now();
      this.caughtUp(this.cursor);
    }, wait);
  }
}
