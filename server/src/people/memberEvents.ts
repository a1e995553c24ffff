/**
 * Writes `member.joined` and `member.left` into the case event log as people come into a case
 * room on this node and leave it (after the roster's grace period), so bots hear of them. Each
 * node records its own people: this node's roster changes, not the merged roster. Both events
 * name the person as their actor: a roster announcing a departure no longer lists the person
 * who left, so the people each case's roster listed last are kept until they leave.
 */
import type { Person, RosterMember } from '@caseroom/shared';
import type { DomainChanges } from '../DomainChanges.js';
import type { EventLog } from '../events/EventLog.js';

const personOf = ({ userId, name, role }: RosterMember): Person => ({ userId, name, role });

export function recordMemberEvents(changes: DomainChanges, events: EventLog): void {
  /** case id -> user id -> the person, for everyone this node's roster of the case lists */
  const present = new Map<string, Map<string, Person>>();
  changes.on('localRoster', ({ caseId, update }) => {
    const { kind, userId } = update.change;
    const before = present.get(caseId);
    const leaving = before?.get(userId) ?? null;
    if (update.members.length === 0) present.delete(caseId);
    else present.set(caseId, new Map(update.members.map((m) => [m.userId, personOf(m)])));
    const member = update.members.find((m) => m.userId === userId) ?? null;
    if (kind === 'joined' && member) events.recordQuietly(caseId, 'member.joined', personOf(member), { userId, role: member.role });
    if (kind === 'left') events.recordQuietly(caseId, 'member.left', leaving, { userId, ...(leaving ? { role: leaving.role } : {}) });
  });
}
