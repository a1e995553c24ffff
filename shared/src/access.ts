/**
 * What a token may see, in one place: every read path of the hub (HTTP, the live case room, event
 * subscriptions, webhooks) asks these functions. A person sees the cases of their team (a
 * supervisor every team's). A token with an `events` claim — a bot narrowed to some event types —
 * sees only what those types would tell it: the event log filtered to them, and of a case's state
 * only the parts those events describe.
 */
import { caseEventTypes, type CaseEventType } from './caseEvents.js';
import { CaseroomError } from './errors.js';
import type { Identity } from './identity.js';

/** The event types of these families (`owner.` …), so that a new type joins its family's scope. */
const family = (...prefixes: string[]): readonly CaseEventType[] =>
  caseEventTypes.filter((type) => prefixes.some((prefix) => type.startsWith(prefix)));

/** The parts of a case the hub reads out, and the events that describe each. */
export const readScopes = {
  /** the case record: subject, customer, status */
  case: family('case.'),
  /** who is in the room */
  people: family('member.', 'person.'),
  /** the owner, handoffs and their history */
  ownership: family('owner.'),
  /** peer approval requests, decisions and reviews */
  approvals: family('approval.'),
  /** the case document: notes, steps, facts */
  document: family('notes.', 'step.', 'fact.', 'document.'),
  /** what the customer said and was told, and who may speak to them */
  conversation: family('message.', 'floor.'),
} satisfies Record<string, readonly CaseEventType[]>;
export type ReadScope = keyof typeof readScopes;

/** Whether `who` may see events of `type` (a token without an `events` claim sees every type). */
export function maySeeEventType(who: Pick<Identity, 'eventTypes'>, type: CaseEventType): boolean {
  return who.eventTypes === undefined || who.eventTypes.includes(type);
}

/** Whether `who` may read a part of a case (of a team it may access). */
export function mayRead(who: Pick<Identity, 'eventTypes'>, scope: ReadScope): boolean {
  return readScopes[scope].some((type) => maySeeEventType(who, type));
}

/** Throws `out_of_scope` unless `who` may read that part of a case. */
export function assertMayRead(who: Pick<Identity, 'eventTypes'>, scope: ReadScope): void {
  if (!mayRead(who, scope)) throw new CaseroomError('out_of_scope', `Your token does not cover the case's ${scope}`);
}

/**
 * The event types a reader gets: what it asks for, within what its token allows. Asking for a
 * type outside the token is `out_of_scope`; asking for nothing gets what the token allows.
 */
export function allowedEventTypes(
  who: Pick<Identity, 'eventTypes'>,
  asked: readonly CaseEventType[] | undefined,
): CaseEventType[] | undefined {
  const allowed = who.eventTypes as CaseEventType[] | undefined;
  if (!allowed) return asked ? [...asked] : undefined;
  if (!asked) return [...allowed];
  const outside = asked.filter((type) => !allowed.includes(type));
  if (outside.length > 0) throw new CaseroomError('out_of_scope', `Your token does not cover ${outside.join(', ')}`);
  return [...asked];
}
