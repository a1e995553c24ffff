/**
 * Every Socket.IO event of the `/cases` namespace, once: its payload's schema, its acknowledgement's
 * schema, and what it does. The typed event maps the hub and the SDK hand to Socket.IO are derived
 * from these two tables, the hub checks each request against its schema before a handler runs, and
 * docs/wire.md is generated from them. Document traffic is binary (y-protocols bytes).
 */
import { z } from 'zod';
import {
  amountFieldCodes,
  approvalIdSchema,
  approvalRequestSchema,
  approvalSchema,
  approvalUpdateSchema,
  decisionRequestSchema,
  pendingRequestSchema,
} from './approvals.js';
import { caseEventSchema, eventFilterSchema, filterFieldCodes, overdueStepSchema, subscriptionIdSchema } from './caseEvents.js';
import { caseIdSchema, caseRecordSchema, caseRequestSchema, joinRequestSchema } from './cases.js';
import { ackSchema, wireErrorSchema, type Ack, type ErrorCode } from './errors.js';
import {
  composingRequestSchema,
  composingSchema,
  conversationStateSchema,
  correctionRequestSchema,
  deliveryReportSchema,
  floorGiveRequestSchema,
  floorSchema,
  historyRequestSchema,
  messageSchema,
  messageSeqSchema,
  deliverySchema,
  postRequestSchema,
  redactionRequestSchema,
  sendRequestSchema,
} from './conversation.js';
import { refreshRequestSchema, tokenLifetimeSchema, type Identity, type TokenLifetime } from './identity.js';
import {
  ownerUpdateSchema,
  ownershipSchema,
  personRequestSchema,
  personSchema,
  rosterMemberSchema,
  rosterUpdateSchema,
  statusRequestSchema,
} from './people.js';
import { bytesSchema, nothing, parsePayload } from './wire.js';

export const casesNamespace = '/cases';

/** A client request: what the client sends, and what its acknowledgement carries on success. */
export interface ClientEventSpec {
  doc: string;
  /** one object argument; with `positional`, its fields travel as separate arguments, in that order */
  request: z.ZodType;
  positional?: readonly string[];
  /** the acknowledgement is `{ ok: true, ...answer }` or `{ ok: false, error }` */
  answer: z.ZodObject;
  /** refusals of these top-level fields get these codes instead of `invalid_payload` */
  fieldCodes?: Readonly<Partial<Record<string, ErrorCode>>>;
}

/** An event the hub sends. */
export interface ServerEventSpec {
  doc: string;
  /** one object argument; with `positional`, its fields travel as separate arguments, in that order */
  payload: z.ZodType;
  positional?: readonly string[];
  /** the client acknowledges it (the callback takes no arguments) once handled */
  acknowledged?: true;
}

/** A y-protocols message (sync or awareness) for a joined case. */
const documentMessageSchema = z.strictObject({ caseId: caseIdSchema, message: bytesSchema });

/** What a client learns when it joins: the case, who is in the room, who owns it, its approval requests. */
const joinAnswerSchema = z.strictObject({
  case: caseRecordSchema,
  /** who the hub knows you as in this case (facts you record are in this name) */
  you: personSchema,
  roster: z.array(rosterMemberSchema),
  ownership: ownershipSchema,
  approvals: z.array(approvalSchema),
  /** the newest messages of the conversation with the customer, the floor, who is writing a reply */
  conversation: conversationStateSchema,
  /** what the client lacks of the document (sync step 2 content), when the request gave its `stateVector` */
  update: bytesSchema.optional(),
});

const ownershipAnswer = z.strictObject({ ownership: ownershipSchema });
const approvalAnswer = z.strictObject({ approval: approvalSchema });
const caseAnswer = z.strictObject({ case: caseRecordSchema });
const messageAnswer = z.strictObject({ message: messageSchema });
const floorAnswer = z.strictObject({ floor: floorSchema });

/** What clients send; every request is answered through its acknowledgement callback. */
export const clientEvents = {
  'case:join': {
    doc:
      'Opens a case on this socket. With `stateVector` (`Y.encodeStateVector` of your replica) the answer carries what you lack as `update`; ' +
      'the hub then sends its own sync step 1 as `doc:sync`, and you answer with what it lacks.',
    request: joinRequestSchema,
    answer: joinAnswerSchema,
  },
  'case:leave': { doc: 'Closes a case on this socket.', request: caseRequestSchema, answer: nothing },
  'doc:sync': {
    doc: 'A y-protocols sync message for a joined case. For step 1 the answer carries the hub’s step 2 as `reply`; for step 2 and updates it means "applied and stored".',
    request: documentMessageSchema,
    positional: ['caseId', 'message'],
    answer: z.strictObject({ reply: bytesSchema.optional() }),
  },
  'doc:awareness': {
    doc: 'A y-protocols awareness update (cursors, selections, typing) for a joined case.',
    request: documentMessageSchema,
    positional: ['caseId', 'message'],
    answer: nothing,
  },
  'presence:status': { doc: 'Sets your status in the case room.', request: statusRequestSchema, answer: nothing },
  'owner:claim': {
    doc: 'Claims an unowned case (agents and supervisors): the first claim wins.',
    request: caseRequestSchema,
    answer: ownershipAnswer,
  },
  'owner:offer': { doc: 'The owner offers the case to a named person of the team.', request: personRequestSchema, answer: ownershipAnswer },
  'owner:accept': { doc: 'The person offered the case takes it.', request: caseRequestSchema, answer: ownershipAnswer },
  'owner:decline': {
    doc: 'The person offered the case turns it down; the owner stays.',
    request: caseRequestSchema,
    answer: ownershipAnswer,
  },
  'owner:reassign': {
    doc: 'A supervisor gives the case to a named person directly.',
    request: personRequestSchema,
    answer: ownershipAnswer,
  },
  'owner:release': { doc: 'The owner lets go of a resolved case.', request: caseRequestSchema, answer: ownershipAnswer },
  'approval:request': {
    doc: 'Opens a peer approval request in a joined case; it is broadcast to the room and the team. A wrong `amount` or `currency` is `invalid_amount`.',
    request: approvalRequestSchema,
    answer: approvalAnswer,
    fieldCodes: amountFieldCodes,
  },
  'approval:decide': {
    doc: 'A peer of the team approves or rejects a request (need not be in the case room).',
    request: decisionRequestSchema,
    answer: approvalAnswer,
  },
  'approval:cancel': {
    doc: 'The requester withdraws a pending request.',
    request: z.strictObject({ approvalId: approvalIdSchema }),
    answer: approvalAnswer,
  },
  'approval:pending': {
    doc: 'Pending requests of your team (a supervisor may name another team).',
    request: pendingRequestSchema,
    answer: z.strictObject({ approvals: z.array(approvalSchema) }),
  },
  'events:subscribe': {
    doc:
      'Subscribes to case events: replays what came after `after` (an event id, or `start` for the whole log; absent: from now), then streams live, as `events` batches. ' +
      'The answer’s `cursor` is where the subscription starts. A wrong `cases` or `types` is `invalid_filter`; a wrong `after` is `invalid_cursor`; an `after` before what the retention policy kept is `cursor_expired`, whose `details.oldest` is the oldest cursor still available (`start` begins there).',
    request: eventFilterSchema,
    answer: z.strictObject({ subscriptionId: z.string(), cursor: z.string() }),
    fieldCodes: filterFieldCodes,
  },
  'events:unsubscribe': {
    doc: 'Ends a subscription of this socket.',
    request: z.strictObject({ subscriptionId: subscriptionIdSchema }),
    answer: nothing,
  },
  'auth:refresh': {
    doc:
      'Presents a fresh token in band: writes work again after `auth:expired`, and nothing is left or resynced. ' +
      'It must speak for the same person, role, team and scope as the connection’s.',
    request: refreshRequestSchema,
    answer: tokenLifetimeSchema,
  },
  'conversation:send': {
    doc:
      'Writes to the customer (the owner, or whoever holds the floor; else `not_your_floor`), on `channel` or the one the customer last wrote on. ' +
      'While someone else is writing a reply it is refused with `reply_in_progress` unless `confirm` is true. Stored as a `message.sent` event for the channel connector to deliver.',
    request: sendRequestSchema,
    answer: messageAnswer,
  },
  'conversation:post': {
    doc:
      'A channel connector (a bot whose token carries the channel in its `channels` claim) brings in what the customer wrote. ' +
      'Posting the same `externalId` again stores nothing and answers the message stored the first time. Needs no join.',
    request: postRequestSchema,
    answer: messageAnswer.extend({ duplicate: z.boolean() }),
  },
  'conversation:delivery': {
    doc: 'The channel connector reports an outbound message `delivered` or `failed` (with a reason); everyone in the room sees it. Needs no join.',
    request: deliveryReportSchema,
    answer: messageAnswer,
  },
  'conversation:correct': {
    doc: 'A corrected text of an earlier message, as a new entry pointing at it: by the author of an outbound message, or by the channel connector for an inbound one.',
    request: correctionRequestSchema,
    answer: messageAnswer,
  },
  'conversation:redact': {
    doc: 'Hides an earlier message’s body and attachments from every reader, as a new entry giving the reason: the owner, a supervisor, or the message’s author.',
    request: redactionRequestSchema,
    answer: messageAnswer,
  },
  'conversation:composing': {
    doc: 'Says you are writing a reply (renew it every few seconds while you type) or stopped; the room sees it. Only those who may speak.',
    request: composingRequestSchema,
    answer: z.strictObject({ until: z.string().nullable() }),
  },
  'conversation:history': {
    doc: 'A page of the thread, oldest first: after a seq, before one, or the newest. Corrections applied, redacted messages emptied.',
    request: historyRequestSchema,
    answer: z.strictObject({ messages: z.array(messageSchema), lastSeq: z.number().int().nonnegative() }),
  },
  'floor:give': {
    doc: 'The owner (or a supervisor) lets someone in the room write to the customer too, until the floor is taken back or the owner changes.',
    request: floorGiveRequestSchema,
    answer: floorAnswer,
  },
  'floor:take': {
    doc: 'The owner (or a supervisor) takes the floor back; its holder may also hand it back.',
    request: caseRequestSchema,
    answer: floorAnswer,
  },
  'case:resolve': { doc: 'The owner (or a supervisor) marks the case resolved.', request: caseRequestSchema, answer: caseAnswer },
  'case:reopen': { doc: 'The owner (or a supervisor) reopens a resolved case.', request: caseRequestSchema, answer: caseAnswer },
} as const satisfies Record<string, ClientEventSpec>;

/** What the hub sends. */
export const serverEvents = {
  'doc:sync': {
    doc: 'A y-protocols sync message: the hub’s step 1 after a join, then updates from others, merged per event-loop turn or per `CASEROOM_RELAY_INTERVAL_MS` (the same batch as /yjs clients get; it may include your own, which is a no-op).',
    payload: documentMessageSchema,
    positional: ['caseId', 'message'],
  },
  'doc:awareness': {
    doc: 'A y-protocols awareness update from others in the room.',
    payload: documentMessageSchema,
    positional: ['caseId', 'message'],
  },
  roster: {
    doc: 'The roster changed: everyone in the room, and what changed.',
    payload: z.strictObject({ caseId: caseIdSchema, update: rosterUpdateSchema }),
    positional: ['caseId', 'update'],
  },
  owner: {
    doc: 'Ownership changed (stored before it is announced); `ownership.epoch` orders the updates.',
    payload: z.strictObject({ caseId: caseIdSchema, update: ownerUpdateSchema }),
    positional: ['caseId', 'update'],
  },
  events: {
    doc: 'A batch of case events for a subscription, in order; acknowledge it once handled to get the next.',
    payload: z.strictObject({ subscriptionId: z.string(), events: z.array(caseEventSchema) }),
    positional: ['subscriptionId', 'events'],
    acknowledged: true,
  },
  'events:caughtUp': {
    doc: 'A subscription read every event up to `cursor` and none after its last batch matched its filter: its position is now `cursor` (resume from it with `after`). Sent only when the position moved without a batch, at most every few seconds, after every batch before it was acknowledged.',
    payload: z.strictObject({ subscriptionId: z.string(), cursor: z.string() }),
    positional: ['subscriptionId', 'cursor'],
  },
  'events:ended': {
    doc: 'The hub ended a subscription: with `cursor_expired` when the events after its position were removed by the retention policy before it read them (`error.details.oldest` is the oldest cursor still available). Subscribe again to go on.',
    payload: z.strictObject({ subscriptionId: z.string(), error: wireErrorSchema }),
    positional: ['subscriptionId', 'error'],
  },
  approval: { doc: 'An approval request opened or changed; sent to its case room and to its team’s feed.', payload: approvalUpdateSchema },
  'step:overdue': {
    doc: 'A step fell due without being done (the `step.overdue` event is stored first); sent once to its case room and to its team’s feed, so that its `assignee` hears it wherever they are.',
    payload: overdueStepSchema,
  },
  'case:updated': {
    doc: 'The case record changed (e.g. its status).',
    payload: z.strictObject({ caseId: caseIdSchema, record: caseRecordSchema }),
    positional: ['caseId', 'record'],
  },
  'conversation:message': {
    doc: 'A message joined the thread (inbound, outbound, or an entry amending an earlier one). Order by `seq`: from two hub nodes they may arrive out of order; a gap means ask `conversation:history`.',
    payload: z.strictObject({ caseId: caseIdSchema, message: messageSchema }),
    positional: ['caseId', 'message'],
  },
  'conversation:delivery': {
    doc: 'The channel connector reported on delivering an outbound message.',
    payload: z.strictObject({ caseId: caseIdSchema, delivery: z.strictObject({ seq: messageSeqSchema, delivery: deliverySchema }) }),
    positional: ['caseId', 'delivery'],
  },
  'conversation:composing': {
    doc: 'Someone who may speak started or stopped writing a reply.',
    payload: z.strictObject({ caseId: caseIdSchema, composing: composingSchema }),
    positional: ['caseId', 'composing'],
  },
  floor: {
    doc: 'The floor was given or taken back: who besides the owner may write to the customer.',
    payload: z.strictObject({ caseId: caseIdSchema, floor: floorSchema }),
    positional: ['caseId', 'floor'],
  },
  'case:closed': {
    doc: 'The hub closed this case on this socket (e.g. it is shutting down); rejoin to continue.',
    payload: z.strictObject({ caseId: caseIdSchema, reason: wireErrorSchema }),
    positional: ['caseId', 'reason'],
  },
  'auth:expires': {
    doc: 'When the connection’s token expires: sent on connecting (the answer to `auth:refresh` says it for the fresh token).',
    payload: tokenLifetimeSchema,
  },
  'auth:expired': {
    doc: 'The token expired: every request but `auth:refresh` and `case:leave` is refused with `token_expired` until a fresh token is presented; without one the connection is closed.',
    payload: wireErrorSchema,
  },
  'auth:revoked': { doc: 'The person was revoked (`token_revoked`): the connection closes right after this.', payload: wireErrorSchema },
} as const satisfies Record<string, ServerEventSpec>;

type ClientEvents = typeof clientEvents;
type ServerEvents = typeof serverEvents;
export type ClientEventName = keyof ClientEvents;
export type ServerEventName = keyof ServerEvents;

/** A payload as the arguments it travels as: the object itself, or its fields in `positional` order. */
type Arguments<T, Spec> = Spec extends { positional: infer Keys extends readonly string[] }
  ? { -readonly [I in keyof Keys]: Keys[I] extends keyof T ? T[Keys[I]] : never }
  : [T];

/** What a client sends with event `E`, before its acknowledgement callback. */
type RequestArguments<E extends ClientEventName> = Arguments<z.input<ClientEvents[E]['request']>, ClientEvents[E]>;

/** What the acknowledgement of `E` carries besides `ok: true` (zod types an object without fields as `Record<string, never>`, which `ok` would not fit). */
type AnswerFields<E extends ClientEventName> = [keyof ClientEvents[E]['answer']['shape']] extends [never]
  ? object
  : z.infer<ClientEvents[E]['answer']>;

/** Socket.IO's map of what clients send: each request's arguments, then its acknowledgement callback. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (...args: [...RequestArguments<E>, ack: (response: Ack<AnswerFields<E>>) => void]) => void;
};

/** Socket.IO's map of what the hub sends. */
export type ServerToClientEvents = {
  [E in ServerEventName]: (
    ...args: ServerEvents[E] extends { acknowledged: true }
      ? [...Arguments<z.infer<ServerEvents[E]['payload']>, ServerEvents[E]>, ack: () => void]
      : Arguments<z.infer<ServerEvents[E]['payload']>, ServerEvents[E]>
  ) => void;
};

/** A request of event `E` as its schema parsed it: what the hub's handler receives. */
export type ClientRequest<E extends ClientEventName> = z.output<ClientEvents[E]['request']>;
/** What the hub answers event `E` with on success (the acknowledgement adds `ok: true`). */
export type ClientAnswer<E extends ClientEventName> = z.input<ClientEvents[E]['answer']>;
export type RefreshAck = Ack<TokenLifetime>;

/** Whether `name` is an event clients may send (own properties only: `__proto__` is no event). */
export function isClientEvent(name: unknown): name is ClientEventName {
  return typeof name === 'string' && Object.hasOwn(clientEvents, name);
}

/** How many arguments event `event` takes before its acknowledgement callback. */
export function argumentCount(event: ClientEventName): number {
  const spec: ClientEventSpec = clientEvents[event];
  return spec.positional?.length ?? 1;
}

/** The full acknowledgement schema of a client event (success or refusal). */
export const ackSchemaOf = (event: ClientEventName) => ackSchema(clientEvents[event].answer);

/**
 * The request of a client event, read from its arguments and checked against its schema. Throws
 * `invalid_payload` naming the first wrong field, or the code the event gives that field.
 */
export function readRequest<E extends ClientEventName>(event: E, args: readonly unknown[]): ClientRequest<E> {
  const spec: ClientEventSpec = clientEvents[event];
  return parsePayload(spec.request, spec.positional ? fieldsOf(spec.positional, args) : args[0], spec.fieldCodes) as ClientRequest<E>;
}

/** Positional arguments as the object their schema describes (a plain loop: `doc:sync` is the hot path). */
function fieldsOf(keys: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) fields[keys[i]!] = args[i];
  return fields;
}

/** What the hub attaches to each socket after authentication: who the token speaks for, and until when. */
export interface SocketData {
  identity: Identity;
  /** when the token in force expires (ms since the epoch); null when it does not say */
  expiresAt: number | null;
  /** when it was issued (ms since the epoch); null when it does not say */
  issuedAt: number | null;
}
