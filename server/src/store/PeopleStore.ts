/**
 * People who signed in (so they can be named as handoff targets and shown by name in a team's
 * directory), and revocations of their tokens.
 */
import type { Identity } from '@caseroom/shared';
import type { NewCaseEvent } from './EventStore.js';

export interface PeopleStore {
  /** Remembers a person who signed in; a later sign-in replaces what was remembered (their team too). */
  remember(who: Identity, at: string): Promise<void>;
  get(userId: string): Promise<Identity | null>;
  /** Everyone remembered as a member of `team`, by name (then user id). */
  list(team: string): Promise<Identity[]>;
  /** Everyone remembered, of every team, by name (then user id): what an export carries. */
  everyone(): Promise<Identity[]>;
  /**
   * Records that every token of `userId` issued at or before `at` (ms since the epoch) is revoked,
   * with `events` in the same write. The later of two revocations is kept, whichever came last.
   */
  revoke(userId: string, at: number, events: readonly NewCaseEvent[]): Promise<void>;
  /** Every revocation: user id -> the moment up to which their tokens are refused. */
  revocations(): Promise<Map<string, number>>;
}

/** The order a team's directory is listed in, the same on every store. */
export function byName(a: Identity, b: Identity): number {
  return a.name.localeCompare(b.name, 'en') || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}
