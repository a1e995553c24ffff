/** Names for user ids, from whoever the console has seen in the case room. */
import type { CaseSession } from '@caseroom/client';
import { h } from './dom.js';

export function nameOf(session: CaseSession, userId: string): string {
  return session.roster.find((m) => m.userId === userId)?.name ?? (session.owner?.userId === userId ? session.owner.name : userId);
}

/** A <datalist> of the room's people, for assignee inputs. */
export function peopleList(session: CaseSession, id: string): HTMLDataListElement {
  return h('datalist', { id }, ...session.roster.map((m) => h('option', { value: m.userId }, m.name)));
}
