/**
 * How hub nodes hear about each other's work: document updates and awareness for cases they also
 * have open, "new events are stored" wake-ups, and roster changes. In embedded mode there is one
 * node and the bus goes nowhere; in cluster mode it is Redis pub/sub (RedisBus).
 */
import type { BusMessage, BusMessageBody } from './busMessages.js';

export interface ClusterBus {
  readonly nodeId: string;
  /** Sends to every other node (best effort: a node that misses one catches up from the store). */
  publish(message: BusMessageBody): void;
  /** Handles messages from other nodes. */
  onMessage(listener: (message: BusMessage) => void): void;
  /** Called after the bus reconnected: messages may have been lost meanwhile. */
  onReconnect(listener: () => void): void;
  /** null for the single-node bus; otherwise whether its connections are up right now */
  readonly connected: boolean | null;
  close(): Promise<void>;
}

/** The bus of a single-node hub: nobody to tell. */
export class LocalBus implements ClusterBus {
  constructor(readonly nodeId: string) {}

  publish(): void {}

  onMessage(): void {}

  onReconnect(): void {}

  readonly connected = null;

  async close(): Promise<void> {}
}
