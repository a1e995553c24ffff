/** Socket handlers of the people plane: presence status, ownership and the case's status. */
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Roster } from '../people/Roster.js';
import { caseRequestSchema, parse, personRequestSchema, statusRequestSchema } from '../validation.js';
import { respond } from './respond.js';
import type { SocketContext, SocketHandlers } from './SocketContext.js';

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

/** Parses a request and checks the socket joined its case. */
function joinedCase(context: SocketContext, request: unknown): string {
  const { caseId } = parse(caseRequestSchema, request);
  context.roomOf(caseId);
  return caseId;
}

function joinedPerson(context: SocketContext, request: unknown): { caseId: string; userId: string } {
  const parsed = parse(personRequestSchema, request);
  context.roomOf(parsed.caseId);
  return parsed;
}

export function peopleHandlers(people: PeoplePlane): SocketHandlers<PeopleEvents> {
  const { roster, owners, cases } = people;

  const setStatus = async (context: SocketContext, request: unknown, status: 'open' | 'resolved') => {
    const caseId = joinedCase(context, request);
    const { owner } = await owners.current(caseId);
    return { case: await cases.setStatus(caseId, status, context.who, owner?.userId ?? null) };
  };

  return {
    'presence:status': (context, request, ack) =>
      respond(ack, context.log, () => {
        const { caseId, status } = parse(statusRequestSchema, request);
        context.roomOf(caseId);
        roster.setStatus(caseId, context.who.userId, status);
        return {};
      }),

    'owner:claim': (context, request, ack) =>
      respond(ack, context.log, async () => ({ ownership: await owners.claim(joinedCase(context, request), context.who) })),
    'owner:accept': (context, request, ack) =>
      respond(ack, context.log, async () => ({ ownership: await owners.acceptHandoff(joinedCase(context, request), context.who) })),
    'owner:decline': (context, request, ack) =>
      respond(ack, context.log, async () => ({ ownership: await owners.declineHandoff(joinedCase(context, request), context.who) })),
    'owner:release': (context, request, ack) =>
      respond(ack, context.log, async () => ({ ownership: await owners.release(joinedCase(context, request), context.who) })),
    'owner:offer': (context, request, ack) =>
      respond(ack, context.log, async () => {
        const { caseId, userId } = joinedPerson(context, request);
        return { ownership: await owners.offerHandoff(caseId, context.who, userId) };
      }),
    'owner:reassign': (context, request, ack) =>
      respond(ack, context.log, async () => {
        const { caseId, userId } = joinedPerson(context, request);
        return { ownership: await owners.reassign(caseId, context.who, userId) };
      }),

    'case:resolve': (context, request, ack) => respond(ack, context.log, () => setStatus(context, request, 'resolved')),
    'case:reopen': (context, request, ack) => respond(ack, context.log, () => setStatus(context, request, 'open')),
  };
}
