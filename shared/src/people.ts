/**
 * The people plane on the wire: who is in a case room, and who owns the case. The server is the
 * only authority for both; clients render what it announces.
 */
import type { Role } from './identity.js';

export const presenceStatuses = ['active', 'idle', 'away'] as const;
export type PresenceStatus = (typeof presenceStatuses)[number];

/** One person in a case room, however many tabs or devices they have open. */
export interface RosterMember {
  userId: string;
  name: string;
  role: Role;
  status: PresenceStatus;
  /** open connections (tabs, devices) of this person in this case */
  connections: number;
  /** ISO time this person entered the room */
  since: string;
}

export type RosterChangeKind = 'joined' | 'left' | 'updated';

export interface RosterUpdate {
  members: RosterMember[];
  change: { kind: RosterChangeKind; userId: string };
}

/** Roles that can own a case. Specialists join and help; bots never own. */
export const owningRoles: readonly Role[] = ['agent', 'supervisor'];

export interface Person {
  userId: string;
  name: string;
  role: Role;
}

export interface HandoffOffer {
  to: Person;
  by: string;
  at: string;
}

/** The single owner of a case, with the fencing epoch every change bumps. */
export interface Ownership {
  owner: Person | null;
  epoch: number;
  offer: HandoffOffer | null;
}

export const unowned: Ownership = { owner: null, epoch: 0, offer: null };

export type OwnershipChangeKind = 'claimed' | 'handoff_offered' | 'handoff_accepted' | 'handoff_declined' | 'reassigned' | 'released';

/** What happened, announced with the new ownership. */
export interface OwnershipChange {
  kind: OwnershipChangeKind;
  /** who did it */
  by: string;
  /** the owner before and after (user ids) */
  from: string | null;
  to: string | null;
  at: string;
  epoch: number;
}

export interface OwnerUpdate {
  ownership: Ownership;
  change: OwnershipChange;
}

/** One line of a case's ownership history: how the owner changed. */
export interface OwnershipRecord {
  epoch: number;
  how: 'claim' | 'handoff' | 'reassign' | 'release';
  from: string | null;
  to: string | null;
  by: string;
  at: string;
}
