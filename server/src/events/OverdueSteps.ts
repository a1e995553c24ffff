/**
 * Steps that fall due without being done, on the hub's own clock, whether or not anyone is
 * connected. The document watchers keep each step's deadline in the store as steps are added,
 * re-dated, done, undone or removed (`keep`); this sleeps until the earliest deadline, 30 s at most
 * (another node may have set an earlier one), then fires what is due. Firing reads the step as its
 * case document has it now, so a deadline the index still holds for a step done or re-dated on
 * another node (its write still under way) is dropped or moved, never fired; a step still not done
 * gets its `step.overdue` event through the store's compare-and-set, so of several nodes firing the
 * same deadline exactly one records it, and that one announces it.
 */
import { dueTime, StepList, type OverdueStep } from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import type { CaseRooms } from '../rooms/CaseRooms.js';
import type { CaseStore, StepDeadline } from '../store/CaseStore.js';
import { caseEvent } from './EventLog.js';

/** Even with nothing due soon, look again this often: another node may have set an earlier deadline. */
const pollMs = 30_000;
/** After a failed sweep, wait this long before the next (a deadline that cannot be fired stays due). */
const retryMs = 1_000;
const sweepBatch = 100;
/** A deadline whose firing failed (its document would not load, say) is due again this much later. */
const failedRetryMs = 60_000;

export interface OverdueStepsOptions {
  store: Pick<CaseStore, 'deadlines' | 'cases'>;
  /** where the steps are read from when their deadline passes */
  rooms: CaseRooms;
  /** where a recorded overdue step is announced */
  changes: DomainChanges;
  log: Logger;
}

export class OverdueSteps {
  private timer: NodeJS.Timeout | null = null;
  /** when the timer goes off (ms), while it is set */
  private wakeTime = Infinity;
  private sweeping: Promise<void> | null = null;
  /** the timer went off during a sweep, or the sweep left deadlines due: sweep again */
  private again = false;
  private stopped = true;

  constructor(private readonly options: OverdueStepsOptions) {}

  /**
   * Keeps a step's deadline in the store: `due` is the step's own, or null when it has none to keep
   * (done, removed, no due). Called from document observers: never throws, failures are logged.
   */
  keep(caseId: string, stepId: string, due: string | null): void {
    const { store, log } = this.options;
    const dueAt = due === null ? NaN : dueTime(due);
    const write = Number.isNaN(dueAt) ? store.deadlines.clear(caseId, stepId) : store.deadlines.set(caseId, stepId, dueAt);
    write.then(
      () => this.wakeBy(dueAt),
      (err: unknown) => log.warn({ err, caseId, stepId }, 'keeping a step deadline failed'),
    );
  }

  /** Starts firing deadlines as they pass. */
  start(): void {
    this.stopped = false;
    this.scheduleNext();
  }

  /** Stops the timer and waits for a sweep under way (it reads case rooms, which close after this). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.sweeping;
  }

  /** Wakes at `at` (ms) unless the timer goes off sooner; never later than the poll interval. */
  private wakeBy(at: number): void {
    if (this.stopped || Number.isNaN(at)) return;
    const when = Math.min(Math.max(at, Date.now()), Date.now() + pollMs);
    if (this.timer && this.wakeTime <= when) return;
    this.clearTimer();
    this.wakeTime = when;
    this.timer = setTimeout(() => this.wake(), when - Date.now());
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeTime = Infinity;
  }

  private scheduleNext(notBefore = 0): void {
    if (this.stopped) return;
    this.options.store.deadlines.next().then(
      (next) => this.wakeBy(Math.max(next ?? Date.now() + pollMs, notBefore)),
      (err: unknown) => {
        this.options.log.warn({ err }, 'could not read the next step deadline');
        this.wakeBy(Date.now() + retryMs);
      },
    );
  }

  private wake(): void {
    this.timer = null;
    this.wakeTime = Infinity;
    if (this.stopped) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    this.sweeping = this.sweep().then((failed) => {
      this.sweeping = null;
      if (this.again && !failed) {
        this.again = false;
        this.wake();
      } else {
        this.again = false;
        this.scheduleNext(failed ? Date.now() + retryMs : 0);
      }
    });
  }

  /** Fires every deadline that has passed; resolves with whether anything failed. */
  private async sweep(): Promise<boolean> {
    const { store, log } = this.options;
    let failed = false;
    try {
      const now = Date.now();
      const due = await store.deadlines.due(now, sweepBatch);
      log.debug({ now, due: due.length }, 'swept the step deadlines that are due');
      for (const deadline of due) {
        if (this.stopped) return failed;
        await this.fire(deadline).catch(async (err: unknown) => {
          failed = true;
          log.warn({ err, caseId: deadline.caseId, stepId: deadline.stepId }, 'firing a step deadline failed');
          // Tried again later, behind the others: one that keeps failing must not hold up the rest.
          await store.deadlines.set(deadline.caseId, deadline.stepId, Date.now() + failedRetryMs).catch(() => undefined);
        });
      }
      if (due.length === sweepBatch) this.again = true;
    } catch (err) {
      failed = true;
      log.warn({ err }, 'reading the step deadlines that are due failed');
    }
    return failed;
  }

  private async fire({ caseId, stepId, dueAt }: StepDeadline): Promise<void> {
    const { store, rooms, changes, log } = this.options;
    const record = await store.cases.get(caseId);
    const step = record ? await rooms.use(caseId, (room) => new StepList(room.doc).get(stepId)) : undefined;
    const due = step && !step.done ? step.due : null;
    const stillDueAt = due === null ? NaN : dueTime(due);
    if (!record || !step || due === null || Number.isNaN(stillDueAt)) {
      // The step is done, gone or without a due: its deadline goes, and nothing is recorded.
      await store.deadlines.fire(caseId, stepId, dueAt, []);
      return;
    }
    if (stillDueAt > Date.now()) {
      // Re-dated later, and the index has not heard yet (or never will): the document decides.
      await store.deadlines.set(caseId, stepId, stillDueAt);
      this.wakeBy(stillDueAt);
      return;
    }
    const at = new Date();
    const overdue: OverdueStep = {
      caseId,
      team: record.team,
      stepId,
      text: step.text,
      assignee: step.assignee,
      due,
      at: at.toISOString(),
    };
    const data = { stepId, text: step.text, assignee: step.assignee, due };
    if (await store.deadlines.fire(caseId, stepId, dueAt, [caseEvent(record, 'step.overdue', null, data, at)])) {
      log.info({ caseId, stepId, assignee: step.assignee, due }, 'step overdue');
      changes.announce({ kind: 'stepOverdue', step: overdue });
    } else {
      log.debug({ caseId, stepId, dueAt }, 'step deadline already fired or moved');
    }
  }
}
