/**
 * The cluster bus on Redis pub/sub: one channel per deployment (the key prefix names it), binary
 * frames. Pub/sub delivers at most once; after a reconnect the hub catches its open rooms up from
 * the store, so a lost message delays an update on a node but never loses it.
 */
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../logger.js';
import { decodeBusMessage, encodeBusMessage, type BusMessage, type BusMessageBody } from './busMessages.js';
import type { ClusterBus } from './ClusterBus.js';

export interface RedisBusOptions {
  url: string;
  prefix: string;
  nodeId: string;
  log: Logger;
}

export class RedisBus implements ClusterBus {
  readonly nodeId: string;
  private readonly channel: string;
  private readonly listeners: Array<(message: BusMessage) => void> = [];
  private readonly reconnectListeners: Array<() => void> = [];

  private constructor(
    private readonly pub: RedisClientType,
    private readonly sub: RedisClientType,
    private readonly options: RedisBusOptions,
  ) {
    this.nodeId = options.nodeId;
    this.channel = `${options.prefix}bus`;
  }

  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const pub = createClient({ url: options.url }) as RedisClientType;
    const sub = pub.duplicate();
    for (const [name, client] of [
      ['publisher', pub],
      ['subscriber', sub],
    ] as const) {
      client.on('error', (err: unknown) => options.log.warn({ err, client: name }, 'cluster bus: redis error'));
    }
    await Promise.all([pub.connect(), sub.connect()]);
    const bus = new RedisBus(pub, sub, options);
    await sub.subscribe(bus.channel, (raw: Buffer) => bus.receive(raw), true);
    // After the first connection, every 'ready' is a reconnect: messages may have been missed.
    sub.on('ready', () => {
      options.log.info('cluster bus: reconnected; catching up from the store');
      for (const listener of bus.reconnectListeners) listener();
    });
    return bus;
  }

  publish(message: BusMessageBody): void {
    const frame = Buffer.from(encodeBusMessage({ ...message, from: this.nodeId }));
    this.pub
      .publish(this.channel, frame)
      .catch((err: unknown) => this.options.log.warn({ err, kind: message.kind }, 'cluster bus: publish failed'));
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.listeners.push(listener);
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  get connected(): boolean {
    return this.pub.isReady && this.sub.isReady;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }

  private receive(raw: Buffer): void {
    const message = decodeBusMessage(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    if (!message || message.from === this.nodeId) return;
    for (const listener of this.listeners) listener(message);
  }
}
