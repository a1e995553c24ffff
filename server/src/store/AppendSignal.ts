/**
 * How a store tells event readers that events were appended: every aggregate of one store writes
 * through its events aggregate, which fires this once per committed write that stored events. The
 * store does it, not the writers, so no writer can forget to. Listeners hear which teams the
 * events belong to, so a reader of one team's feed need not read after another team's write.
 */
import type { NewCaseEvent } from './EventStore.js';

export class AppendSignal {
  private readonly listeners = new Set<(teams: readonly string[]) => void>();

  /** Calls `listener` with the teams of the events stored after each such write; returns a function that stops it. */
  listen(listener: (teams: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Call once a write has committed: fires when it stored any event, and never otherwise. */
  committed(events: readonly Pick<NewCaseEvent, 'team'>[]): void {
    if (events.length === 0) return;
    const teams = [...new Set(events.map((e) => e.team))];
    for (const listener of this.listeners) listener(teams);
  }
}
