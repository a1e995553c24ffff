/** Bots for tests: a BotClient whose handler collects events, with waits on what it has seen. */
import { BotClient, ChannelBot, type CaseEvent, type EventFilter, type EventSubscription } from '@caseroom/client';
import type { Identity } from '@caseroom/shared';
import { afterEach } from 'vitest';
import { mintToken } from './hub.js';
import { chatConnector, intakeBot } from './people.js';
import { waitFor } from './wait.js';

const open = new Set<BotClient>();
afterEach(async () => {
  await Promise.all([...open].map((bot) => bot.close()));
  open.clear();
});

/** Connects a bot: the intake bot of the people fixtures unless the test names another (or a variant). */
export async function connectBot(url: string, who: Identity = intakeBot): Promise<BotClient> {
  const bot = new BotClient({
    url,
    token: await mintToken(who),
    transports: ['websocket'],
    reconnectionDelayMax: 200,
  });
  open.add(bot);
  return bot;
}

/** Connects a channel connector: billing's chat connector of the people fixtures unless the test names another. */
export async function connectChannelBot(url: string, who: Identity = chatConnector): Promise<ChannelBot> {
  const bot = new ChannelBot({
    url,
    token: await mintToken(who),
    channels: who.channels ?? [],
    transports: ['websocket'],
    reconnectionDelayMax: 200,
  });
  open.add(bot);
  await waitFor(
    'the connector to connect',
    (check) => bot.on('status', check),
    () => bot.status === 'connected' || undefined,
  );
  return bot;
}

/** A subscription that records every event it is handed, in order. */
export class Collector {
  readonly events: CaseEvent[] = [];
  readonly subscription: EventSubscription;
  private readonly listeners = new Set<() => void>();

  constructor(bot: BotClient, filter: EventFilter) {
    this.subscription = bot.subscribe(filter, (event) => {
      this.events.push(event);
      for (const listener of this.listeners) listener();
    });
  }

  /** Resolves once the collected events satisfy `condition`. */
  until(what: string, condition: (events: CaseEvent[]) => boolean, timeoutMs?: number): Promise<true> {
    return waitFor(
      what,
      (check) => {
        this.listeners.add(check);
        return () => this.listeners.delete(check);
      },
      () => condition(this.events) || undefined,
      timeoutMs,
    );
  }

  /** Resolves with the first collected event of `type` (for the case, if given). */
  async first(type: CaseEvent['type'], caseId?: string): Promise<CaseEvent> {
    const match = (e: CaseEvent) => e.type === type && (caseId === undefined || e.caseId === caseId);
    await this.until(`a ${type} event`, (events) => events.some(match));
    return this.events.find(match)!;
  }

  types(caseId?: string): string[] {
    return this.events.filter((e) => caseId === undefined || e.caseId === caseId).map((e) => e.type);
  }
}
