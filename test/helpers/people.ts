/**
 * The people the tests are about: one cast for the whole suite, so that who acts in a test says
 * what it tests (an owner, a helper who may not claim, a supervisor of another team, a hostile
 * client). A test that varies a claim spreads a person, visibly: `{ ...ann, team: 'tech' }`.
 */
import type { Identity } from '@caseroom/shared';

/** agents of team billing: they claim, own and hand over its cases, and approve each other's requests */
export const ann: Identity = { userId: 'ann', name: 'Ann', role: 'agent', team: 'billing' };
export const amy: Identity = { userId: 'amy', name: 'Amy', role: 'agent', team: 'billing' };
/** a billing specialist: joins, edits and decides approvals, but may never own a case */
export const sam: Identity = { userId: 'sam', name: 'Sam', role: 'specialist', team: 'billing' };
/** a second billing specialist: the other person working a case beside its owner, or beside Sam */
export const bob: Identity = { userId: 'bob', name: 'Bob', role: 'specialist', team: 'billing' };
/** a supervisor of another team: supervisors may act on every team's cases */
export const sue: Identity = { userId: 'sue', name: 'Sue', role: 'supervisor', team: 'ops' };
/** a billing bot that works in case documents and follows events, and is refused what only people may do */
export const qaBot: Identity = { userId: 'qa', name: 'QA bot', role: 'bot', team: 'billing' };
/** the billing connector that follows the team's events (the bot `connectBot` signs in) */
export const intakeBot: Identity = { userId: 'intake-bot', name: 'Intake bot', role: 'bot', team: 'billing' };
/** a shipping specialist working billing's cases: replies to the customer when given the floor, labelled with the department */
export const sid: Identity = { userId: 'sid', name: 'Sid', role: 'specialist', team: 'billing', department: 'Shipping' };
/** billing's channel connector: brings the customers' chat and email messages in, and delivers the replies */
export const chatConnector: Identity = {
  userId: 'chat-connector',
  name: 'Chat connector',
  role: 'bot',
  team: 'billing',
  channels: ['chat', 'email'],
};
/** an agent of another team */
export const otto: Identity = { userId: 'otto', name: 'Otto', role: 'agent', team: 'shipping' };
/** a billing agent whose client sends what it should not: the hostile client */
export const mallory: Identity = { userId: 'mallory', name: 'Mallory', role: 'agent', team: 'billing' };
/** a billing agent on an unmodified Yjs provider (y-websocket), not the SDK */
export const yan: Identity = { userId: 'yan', name: 'Yan', role: 'agent', team: 'billing' };

/** Ann's counterpart in a team a test makes for itself, so that its feeds and lists hold only its own cases. */
export const agentOf = (team: string): Identity => ({ ...ann, userId: `ann@${team}`, team });

/** Sue's counterpart whose own team is `team`: webhooks, reviews and team feeds default to a supervisor's own team. */
export const supervisorOf = (team: string): Identity => ({ ...sue, userId: `sue@${team}`, team });

/** The i-th of a crowd of billing agents, for tests of many people at once. */
export const agentNumber = (i: number): Identity => ({ userId: `agent-${i}`, name: `Agent ${i}`, role: 'agent', team: 'billing' });
