/** The people the tests are about: agents of team billing, a specialist, a supervisor, a bot, an outsider. */
import type { Identity } from '@caseroom/shared';

export const ann: Identity = { userId: 'ann', name: 'Ann', role: 'agent', team: 'billing' };
export const amy: Identity = { userId: 'amy', name: 'Amy', role: 'agent', team: 'billing' };
export const sam: Identity = { userId: 'sam', name: 'Sam', role: 'specialist', team: 'billing' };
/** a supervisor of another team: supervisors may act on every team's cases */
export const sue: Identity = { userId: 'sue', name: 'Sue', role: 'supervisor', team: 'ops' };
export const qaBot: Identity = { userId: 'qa', name: 'QA bot', role: 'bot', team: 'billing' };
/** an agent of another team */
export const otto: Identity = { userId: 'otto', name: 'Otto', role: 'agent', team: 'shipping' };
