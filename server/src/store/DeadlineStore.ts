/**
 * When the steps of case documents fall due: one deadline per (case, step) that has a `due` and is
 * not done, kept as the steps change, so that the hub finds what fell due without reading any
 * document. Firing one is a compare-and-set that stores the `step.overdue` event in the same write:
 * of several nodes firing the same deadline, exactly one does.
 */
import type { NewCaseEvent } from './EventStore.js';

/** A step's deadline: when (ms since the epoch) it falls due. */
export interface StepDeadline {
  caseId: string;
  stepId: string;
  dueAt: number;
}

export interface DeadlineStore {
  /** Sets a step's deadline, or moves it (a step has at most one). */
  set(caseId: string, stepId: string, dueAt: number): Promise<void>;
  /** Forgets a step's deadline (done, removed, no due any more); nothing to forget is no fault. */
  clear(caseId: string, stepId: string): Promise<void>;
  /** Deadlines at or before `now` (ms), soonest first. */
  due(now: number, limit: number): Promise<StepDeadline[]>;
  /** The earliest deadline (ms), or null when there is none. */
  next(): Promise<number | null>;
  /**
   * Removes the step's deadline only if it is still `dueAt`, storing `events` in the same write;
   * answers whether this call removed it. False, storing nothing, when it was moved, cleared or
   * fired meanwhile.
   */
  fire(caseId: string, stepId: string, dueAt: number, events: readonly NewCaseEvent[]): Promise<boolean>;
}
