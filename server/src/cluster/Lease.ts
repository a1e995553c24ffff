/**
 * A lease one node holds at a time, for work that must not run on every node at once (webhook
 * delivery: every node delivering would send each event once per node). The holder renews it;
 * if the holder dies the lease expires and another node takes it over within its lifetime.
 */
import type { RedisClientType } from 'redis';
import type { Logger } from '../logger.js';

export interface Lease {
  /** Calls `onChange(true)` when this node gains the lease and `onChange(false)` when it loses it. */
  start(onChange: (held: boolean) => void): void;
  stop(): Promise<void>;
}

/** A single node always holds it. */
export class SoleLease implements Lease {
  start(onChange: (held: boolean) => void): void {
    onChange(true);
  }

  async stop(): Promise<void> {}
}

/** Renew only while we still hold it: compare and extend in one step. */
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisLease implements Lease {
  private held = false;
  private timer: NodeJS.Timeout | null = null;
  private onChange: (held: boolean) => void = () => undefined;

  constructor(
    private readonly redis: RedisClientType,
    private readonly key: string,
    private readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  start(onChange: (held: boolean) => void): void {
    this.onChange = onChange;
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held) {
      this.set(false);
      await this.redis.eval(releaseScript, { keys: [this.key], arguments: [this.nodeId] }).catch(() => undefined);
    }
  }

  private async tick(): Promise<void> {
    try {
      const ok = this.held
        ? (await this.redis.eval(renewScript, { keys: [this.key], arguments: [this.nodeId, String(this.ttlMs)] })) === 1
        : (await this.redis.set(this.key, this.nodeId, { NX: true, PX: this.ttlMs })) === 'OK';
      this.set(ok);
    } catch (err) {
      // Cannot reach Redis: assume the lease lapses rather than risk two holders.
      this.log.warn({ err, lease: this.key }, 'lease: renewal failed');
      this.set(false);
    }
    this.timer = setTimeout(() => void this.tick(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private set(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.log.info({ lease: this.key, held }, held ? 'lease gained' : 'lease lost');
    this.onChange(held);
  }
}
