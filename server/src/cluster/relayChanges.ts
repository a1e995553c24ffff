/**
 * Carries the domain changes other hub nodes must hear: "new events of these teams are stored", so
 * that their event readers of those teams wake, and revocations, so that they close that person's
 * connections too. What a peer said is announced here as coming from a peer and never sent on
 * again. Room traffic has its own relay (ClusterRelay) and rosters theirs (RedisPresence);
 * ownership, approval and case status announcements reach other nodes' sockets through the
 * Socket.IO adapter.
 */
import type { DomainChanges } from '../DomainChanges.js';
import type { Revocations } from '../identity/Revocations.js';
import type { Logger } from '../logger.js';
import type { ClusterBus } from './ClusterBus.js';

export function relayChanges(bus: ClusterBus, changes: DomainChanges, revocations: Revocations, log: Logger): void {
  changes.on('events', ({ source, teams }) => {
    if (source === 'local') bus.publish(teams === undefined ? { kind: 'events' } : { kind: 'events', teams });
  });
  changes.on('revoked', ({ userId, at, source }) => {
    if (source === 'local') bus.publish({ kind: 'revoked', userId, at });
  });
  bus.onMessage((message) => {
    if (message.kind === 'events') changes.announce({ kind: 'events', source: 'peer', teams: message.teams });
    if (message.kind === 'revoked') revocations.heard(message.userId, message.at);
  });
  // Pub/sub does not replay what was said while the bus was away: the store has every revocation,
  // and every subscription reads after its own cursor, so one wake for all of them loses nothing.
  bus.onReconnect(() => {
    changes.announce({ kind: 'events', source: 'peer' });
    revocations.reload().catch((err: unknown) => log.warn({ err }, 'reading revocations again after the bus reconnected failed'));
  });
}
