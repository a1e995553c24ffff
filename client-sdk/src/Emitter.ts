/** A small typed event emitter that runs in browsers and Node alike. */
type Listener = (...args: unknown[]) => void;

export class Emitter<Events extends { [event: string]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): void {
    this.listeners.get(event)?.delete(listener as unknown as Listener);
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
  }
}
