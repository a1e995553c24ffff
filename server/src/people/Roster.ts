/**
 * Who is in each case room on this node: one entry per person however many tabs they have, with
 * their status. A person whose last connection drops stays listed for a grace period, so a page
 * reload does not make them flicker out and back in. Every change is announced as this node's
 * roster of the case (`localRoster`); Presence makes the case's roster of it.
 */
import type { Identity, PresenceStatus, RosterChangeKind, RosterMember } from '@caseroom/shared';
import { CaseroomError } from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';

interface Entry {
  member: Omit<RosterMember, 'connections'>;
  /** ids of the person's connections to the room: an array, since one or two tabs is the rule */
  connections: string[];
  removal: NodeJS.Timeout | null;
}

export interface RosterOptions {
  graceMs: number;
  changes: DomainChanges;
}

export class Roster {
  private readonly cases = new Map<string, Map<string, Entry>>();

  constructor(private readonly options: RosterOptions) {}

  members(caseId: string): RosterMember[] {
    return [...(this.cases.get(caseId)?.values() ?? [])].map(toMember);
  }

  /** Whether `userId` is in the room (including the grace period after their last connection). */
  isPresent(caseId: string, userId: string): boolean {
    return this.cases.get(caseId)?.has(userId) ?? false;
  }

  enter(caseId: string, who: Identity, connectionId: string, now = new Date()): void {
    let room = this.cases.get(caseId);
    if (!room) this.cases.set(caseId, (room = new Map()));
    const entry = room.get(who.userId);
    if (entry) {
      if (entry.removal) clearTimeout(entry.removal);
      entry.removal = null;
      if (!entry.connections.includes(connectionId)) entry.connections.push(connectionId);
      this.announce(caseId, 'updated', who.userId);
      return;
    }
    room.set(who.userId, {
      member: { userId: who.userId, name: who.name, role: who.role, status: 'active', since: now.toISOString() },
      connections: [connectionId],
      removal: null,
    });
    this.announce(caseId, 'joined', who.userId);
  }

  leave(caseId: string, userId: string, connectionId: string): void {
    const entry = this.cases.get(caseId)?.get(userId);
    const index = entry?.connections.indexOf(connectionId) ?? -1;
    if (!entry || index < 0) return;
    entry.connections.splice(index, 1);
    if (entry.connections.length === 0) {
      // Listed with zero connections until the grace period ends: a reload comes back in time.
      entry.removal = setTimeout(() => this.remove(caseId, userId), this.options.graceMs);
      entry.removal.unref();
    }
    this.announce(caseId, 'updated', userId);
  }

  setStatus(caseId: string, userId: string, status: PresenceStatus): void {
    const entry = this.cases.get(caseId)?.get(userId);
    if (!entry) throw new CaseroomError('not_joined');
    if (entry.member.status === status) return;
    entry.member.status = status;
    this.announce(caseId, 'updated', userId);
  }

  /** Drops every entry and timer (shutdown). */
  clear(): void {
    for (const room of this.cases.values()) for (const entry of room.values()) if (entry.removal) clearTimeout(entry.removal);
    this.cases.clear();
  }

  private remove(caseId: string, userId: string): void {
    const room = this.cases.get(caseId);
    const entry = room?.get(userId);
    if (!room || !entry || entry.connections.length > 0) return;
    room.delete(userId);
    if (room.size === 0) this.cases.delete(caseId);
    this.announce(caseId, 'left', userId);
  }

  private announce(caseId: string, kind: RosterChangeKind, userId: string): void {
    this.options.changes.announce({ kind: 'localRoster', caseId, update: { members: this.members(caseId), change: { kind, userId } } });
  }
}

function toMember(entry: Entry): RosterMember {
  return { ...entry.member, connections: entry.connections.length };
}
