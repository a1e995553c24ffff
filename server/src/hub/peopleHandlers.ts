/** Socket handlers of the people plane: presence status, ownership and the case's status. */
import type { CaseRecord } from '@caseroom/shared';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Roster } from '../people/Roster.js';
import { caseRequestSchema, parse, personRequestSchema, statusRequestSchema } from '../validation.js';
import { respond } from './respond.js';
import type { SocketContext } from './SocketContext.js';

export interface PeoplePlane {
  roster: Roster;
  owners: CaseOwners;
  cases: CaseDirectory;
  /** tells the case room the record changed */
  announceCase: (caseId: string, record: CaseRecord) => void;
}

export function registerPeopleHandlers(context: SocketContext, people: PeoplePlane): void {
  const { socket, who, log } = context;
  const { roster, owners, cases } = people;

  /** Parses a request and checks the socket joined its case. */
  const joinedCase = (request: unknown): string => {
    const { caseId } = parse(caseRequestSchema, request);
    context.roomOf(caseId);
    return caseId;
  };
  const joinedPerson = (request: unknown): { caseId: string; userId: string } => {
    const parsed = parse(personRequestSchema, request);
    context.roomOf(parsed.caseId);
    return parsed;
  };

  socket.on('presence:status', (request, ack) =>
    respond(ack, log, () => {
      const { caseId, status } = parse(statusRequestSchema, request);
      context.roomOf(caseId);
      roster.setStatus(caseId, who.userId, status);
      return {};
    }),
  );

  socket.on('owner:claim', (request, ack) => respond(ack, log, async () => ({ ownership: await owners.claim(joinedCase(request), who) })));
  socket.on('owner:accept', (request, ack) =>
    respond(ack, log, async () => ({ ownership: await owners.acceptHandoff(joinedCase(request), who) })),
  );
  socket.on('owner:decline', (request, ack) =>
    respond(ack, log, async () => ({ ownership: await owners.declineHandoff(joinedCase(request), who) })),
  );
  socket.on('owner:release', (request, ack) =>
    respond(ack, log, async () => ({ ownership: await owners.release(joinedCase(request), who) })),
  );
  socket.on('owner:offer', (request, ack) =>
    respond(ack, log, async () => {
      const { caseId, userId } = joinedPerson(request);
      return { ownership: await owners.offerHandoff(caseId, who, userId) };
    }),
  );
  socket.on('owner:reassign', (request, ack) =>
    respond(ack, log, async () => {
      const { caseId, userId } = joinedPerson(request);
      return { ownership: await owners.reassign(caseId, who, userId) };
    }),
  );

  const setStatus = (status: 'open' | 'resolved') => async (request: unknown) => {
    const caseId = joinedCase(request);
    const { owner } = await owners.current(caseId);
    const { record, changed } = await cases.setStatus(caseId, status, who, owner?.userId ?? null);
    if (changed) {
      log.info({ caseId, status }, 'case status changed');
      people.announceCase(caseId, record);
    }
    return { case: record };
  };
  socket.on('case:resolve', (request, ack) => respond(ack, log, () => setStatus('resolved')(request)));
  socket.on('case:reopen', (request, ack) => respond(ack, log, () => setStatus('open')(request)));
}
