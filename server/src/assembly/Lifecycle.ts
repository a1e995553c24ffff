/**
 * The hub's running parts as one list: started in order, stopped in the reverse order, so each
 * part stops while everything it relies on still runs. The list is the shutdown sequence. A start
 * that fails stops what had started; a stop that fails is logged and the others still stop, so
 * the store is closed whatever went wrong before it.
 */
import type { Logger } from '../logger.js';

export interface LifecycleStep {
  /** what the step is, for the log */
  name: string;
  start?: () => void | Promise<unknown>;
  stop?: () => void | Promise<unknown>;
}

export class Lifecycle {
  private readonly started: LifecycleStep[] = [];
  private state: 'idle' | 'starting' | 'running' | 'stopping' = 'idle';
  private stopped: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** From when every step has started until stopping begins. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts each step in turn; if one fails, stops those started and rejects with its error. */
  async start(steps: readonly LifecycleStep[]): Promise<void> {
    if (this.state !== 'idle') throw new Error('The hub was started already');
    this.state = 'starting';
    for (const step of steps) {
      try {
        await step.start?.();
      } catch (err) {
        this.log.error({ err, step: step.name }, 'starting the hub failed');
        await this.stop().catch(() => undefined);
        throw err;
      }
      this.started.push(step);
    }
    this.state = 'running';
  }

  /** Stops every started step, last started first; the same promise however often it is called. */
  stop(): Promise<void> {
    return (this.stopped ??= this.stopAll());
  }

  private async stopAll(): Promise<void> {
    this.state = 'stopping';
    this.log.info('hub stopping');
    let failure: { err: unknown } | null = null;
    for (const step of [...this.started].reverse()) {
      try {
        await step.stop?.();
      } catch (err) {
        this.log.error({ err, step: step.name }, 'stopping a part of the hub failed');
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
    this.log.info('hub stopped');
  }
}
