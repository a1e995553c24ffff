/** Socket handlers of the people plane: presence status, ownership and the case's status. */
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Roster } from '../people/Roster.js';
import type { SocketContext } from './SocketContext.js';
import type { SocketHandlers } from './SocketHandler.js';

export interface PeoplePlane {
  roster: Roster;
  owners: CaseOwners;
  cases: CaseDirectory;
}

type PeopleEvents =
  | 'presence:status'
  | 'owner:claim'
  | 'owner:accept'
  | 'owner:decline'
  | 'owner:release'
  | 'owner:offer'
  | 'owner:reassign'
  | 'case:resolve'
  | 'case:reopen';

export function peopleHandlers(people: PeoplePlane): SocketHandlers<PeopleEvents> {
  const { roster, owners, cases } = people;

  const setStatus = async (context: SocketContext, caseId: string, status: 'open' | 'resolved') => {
    context.roomOf(caseId);
    const { owner } = await owners.current(caseId);
    return { case: await cases.setStatus(caseId, status, context.who, owner?.userId ?? null) };
  };

  return {
    'presence:status': (context, { caseId, status }) => {
      context.roomOf(caseId);
      roster.setStatus(caseId, context.who.userId, status);
      return {};
    },

    'owner:claim': async (context, { caseId }) => {
      context.roomOf(caseId);
      return { ownership: await owners.claim(caseId, context.who) };
    },
    'owner:accept': async (context, { caseId }) => {
      context.roomOf(caseId);
      return { ownership: await owners.acceptHandoff(caseId, context.who) };
    },
    'owner:decline': async (context, { caseId }) => {
      context.roomOf(caseId);
      return { ownership: await owners.declineHandoff(caseId, context.who) };
    },
    'owner:release': async (context, { caseId }) => {
      context.roomOf(caseId);
      return { ownership: await owners.release(caseId, context.who) };
    },
    'owner:offer': async (context, { caseId, userId }) => {
      context.roomOf(caseId);
      return { ownership: await owners.offerHandoff(caseId, context.who, userId) };
    },
    'owner:reassign': async (context, { caseId, userId }) => {
      context.roomOf(caseId);
      return { ownership: await owners.reassign(caseId, context.who, userId) };
    },

    'case:resolve': (context, { caseId }) => setStatus(context, caseId, 'resolved'),
    'case:reopen': (context, { caseId }) => setStatus(context, caseId, 'open'),
  };
}
