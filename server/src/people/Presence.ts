/**
 * The roster everyone sees. Each node's `Roster` knows the connections it holds; `Presence`
 * turns that into the room's roster: on one node it is the same thing, in a cluster it is the
 * union of every live node's roster (see cluster/RedisPresence.ts). Either way it hears this
 * node's roster changes (`localRoster`) and announces the room's (`roster`).
 */
import type { RosterMember } from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';

export interface Presence {
  /** Everyone in a case room, on every node. */
  members(caseId: string): Promise<RosterMember[]>;
  stop(): Promise<void>;
}

/** One node: its roster is the roster. */
export class LocalPresence implements Presence {
  private readonly stopListening: () => void;

  constructor(
    private readonly localMembers: (caseId: string) => RosterMember[],
    changes: DomainChanges,
  ) {
    this.stopListening = changes.on('localRoster', ({ caseId, update }) => changes.announce({ kind: 'roster', caseId, update }));
  }

  async members(caseId: string): Promise<RosterMember[]> {
    return this.localMembers(caseId);
  }

  async stop(): Promise<void> {
    this.stopListening();
  }
}

/** Merges several nodes' rosters: one entry per person, connections summed, earliest `since`. */
export function mergeRosters(rosters: RosterMember[][]): RosterMember[] {
  const merged = new Map<string, RosterMember>();
  for (const member of rosters.flat()) {
    const seen = merged.get(member.userId);
    if (!seen) {
      merged.set(member.userId, { ...member });
      continue;
    }
    seen.connections += member.connections;
    if (member.since < seen.since) seen.since = member.since;
    // The status of the tab that is connected wins over one lingering in its grace period.
    if (member.connections > 0 && seen.status !== member.status) seen.status = member.status;
  }
  return [...merged.values()].sort((a, b) => a.since.localeCompare(b.since) || a.userId.localeCompare(b.userId));
}
