/** People who signed in (so they can be named as handoff targets), and revocations of their tokens. */
import type { Identity } from '@caseroom/shared';
import type { NewCaseEvent } from './EventStore.js';

export interface PeopleStore {
  /** Remembers a person who signed in; a later sign-in replaces what was remembered. */
  remember(who: Identity, at: string): Promise<void>;
  get(userId: string): Promise<Identity | null>;
  /**
   * Records that every token of `userId` issued at or before `at` (ms since the epoch) is revoked,
   * with `events` in the same write. The later of two revocations is kept, whichever came last.
   */
  revoke(userId: string, at: number, events: readonly NewCaseEvent[]): Promise<void>;
  /** Every revocation: user id -> the moment up to which their tokens are refused. */
  revocations(): Promise<Map<string, number>>;
}
