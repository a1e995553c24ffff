/** Socket handlers of the events plane: bots (and apps) subscribe to case events with replay. */
import { randomUUID } from 'node:crypto';
import { allowedEventTypes, canAccessTeam, CaseroomError, type CaseEvent, type Identity } from '@caseroom/shared';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { EventLog } from '../events/EventLog.js';
import { EventSubscription } from '../events/EventSubscription.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';
import type { LiveSubscription, SocketContext } from './SocketContext.js';
import type { SocketHandlers } from './SocketHandler.js';

export function eventHandlers(
  events: EventLog,
  cases: CaseDirectory,
  metrics?: HubMetrics,
): SocketHandlers<'events:subscribe' | 'events:unsubscribe'> {
  // What subscriptions read is counted: a subscription woken for nothing it may see costs a read.
  const counted: Pick<EventLog, 'read' | 'onWake' | 'lastId' | 'compare'> = {
    read: (query) => {
      metrics?.subscriptionRead();
      return events.read(query);
    },
    onWake: (listener, team) => events.onWake(listener, team),
    lastId: () => events.lastId(),
    compare: (a, b) => events.compare(a, b),
  };
  return {
    'events:subscribe': async (context, filter, afterReply) => {
      const { socket, who, log } = context;
      const types = allowedEventTypes(who, filter.types);
      const caseIds = filter.cases === 'team' ? undefined : await ownCases(filter.cases, who, cases);
      const after = await events.startingPoint(filter.after);
      const subscriptionId = randomUUID();
      const deliver = async (batch: CaseEvent[]): Promise<void> => {
        await socket.emitWithAck('events', subscriptionId, batch);
      };
      // A supervisor's 'team' subscription covers their own team; name cases to follow others.
      const scope = { team: caseIds ? undefined : who.team, caseIds, types };
      // Fell behind what is kept: the subscriber hears why, and subscribes again if it wants.
      const ended = (error: CaseroomError): void => {
        const live = context.subscriptions?.get(subscriptionId);
        if (live) end(live);
        context.subscriptions?.delete(subscriptionId);
        socket.emit('events:ended', subscriptionId, error.toWire());
      };
      // Read past events it does not follow: the subscriber's saved cursor moves too, so resuming later is not refused.
      const caughtUp = (cursor: string): void => {
        socket.emit('events:caughtUp', subscriptionId, cursor);
      };
      const subscription = new EventSubscription(counted, scope, after, deliver, log.child({ subscriptionId }), ended, caughtUp);
      const unwatch = metrics?.watchSubscription(subscriptionId, who.userId, () => subscription.lagSeconds()) ?? (() => undefined);
      (context.subscriptions ??= new Map()).set(subscriptionId, { subscription, unwatch });
      log.info({ subscriptionId, cases: filter.cases === 'team' ? 'team' : filter.cases.length, after }, 'event subscription started');
      // Delivery begins once the subscriber knows the subscription id its batches carry.
      afterReply(() => subscription.start());
      return { subscriptionId, cursor: after };
    },

    'events:unsubscribe': (context, { subscriptionId }) => {
      const live = context.subscriptions?.get(subscriptionId);
      if (!live) throw new CaseroomError('unknown_subscription');
      end(live);
      context.subscriptions!.delete(subscriptionId);
      return {};
    },
  };
}

/** Stops every subscription of a socket that went away. */
export function endSubscriptions(context: SocketContext): void {
  if (!context.subscriptions) return;
  for (const live of context.subscriptions.values()) end(live);
  context.subscriptions.clear();
}

function end({ subscription, unwatch }: LiveSubscription): void {
  subscription.stop();
  unwatch();
}

/** Named cases must exist and belong to the subscriber's team (any team for supervisors). */
async function ownCases(caseIds: string[], who: Identity, cases: CaseDirectory): Promise<string[]> {
  for (const caseId of caseIds) {
    const record = await cases.find(caseId);
    if (!record || !canAccessTeam(who, record.team)) throw new CaseroomError('out_of_scope', `Case ${caseId} is outside what you may see`);
  }
  return caseIds;
}
