/**
 * Writes `member.joined` and `member.left` into the case event log as people come into a case
 * room on this node and leave it (after the roster's grace period), so bots hear of them. Each
 * node records its own people: this node's roster changes, not the merged roster.
 */
import type { DomainChanges } from '../DomainChanges.js';
import type { EventLog } from '../events/EventLog.js';

export function recordMemberEvents(changes: DomainChanges, events: EventLog): void {
  changes.on('localRoster', ({ caseId, update }) => {
    const { kind, userId } = update.change;
    const member = update.members.find((m) => m.userId === userId) ?? null;
    if (kind === 'joined' && member) events.recordQuietly(caseId, 'member.joined', member, { userId, role: member.role });
    if (kind === 'left') events.recordQuietly(caseId, 'member.left', null, { userId });
  });
}
