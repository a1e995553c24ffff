/**
 * How a store tells event readers that events were appended: every aggregate of one store writes
 * through its events aggregate, which fires this once per committed write that stored events. The
 * store does it, not the writers, so no writer can forget to.
 */
export class AppendSignal {
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` after each such write; returns a function that stops it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Call once a write has committed: fires when it stored any event, and never otherwise. */
  committed(events: readonly unknown[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) listener();
  }
}
