/**
 * Who may say what in a case's conversation, as pure decisions over the case's ownership, its
 * floor and the message in question. One voice speaks to the customer: the owner, and whoever the
 * owner gave the floor to under the same ownership epoch (a new owner starts alone). Channel
 * connectors bring messages in and report deliveries, each only on the channels its token carries.
 */
import {
  CaseroomError,
  openFloor,
  type Channel,
  type Delivery,
  type DeliveryStatus,
  type Floor,
  type Identity,
  type Message,
  type Ownership,
  type Speaker,
} from '@caseroom/shared';
import type { StoredFloor } from '../store/ConversationStore.js';

/** How the hub names the author of what `who` writes: with the department their token carries. */
export function speakerOf(who: Identity): Speaker {
  return { userId: who.userId, name: who.name, role: who.role, ...(who.department !== undefined ? { department: who.department } : {}) };
}

/** The floor in force: the stored one while the ownership it was given under lasts, else the owner alone. */
export function floorInForce(stored: StoredFloor | null, ownership: Ownership): Floor {
  if (!stored || stored.epoch !== ownership.epoch || ownership.owner === null) return openFloor;
  return { holder: stored.holder, givenBy: stored.givenBy, since: stored.since };
}

/** Whether `userId` may write to the customer now. */
export function maySpeak(userId: string, ownership: Ownership, floor: Floor): boolean {
  return ownership.owner?.userId === userId || floor.holder?.userId === userId;
}

/** Throws `not_your_floor` unless `who` may write to the customer now. */
export function assertMaySpeak(who: Identity, ownership: Ownership, floor: Floor): void {
  if (maySpeak(who.userId, ownership, floor)) return;
  if (ownership.owner === null) throw new CaseroomError('not_your_floor', 'Nobody owns this case yet: claim it to answer the customer');
  const voices = [ownership.owner, floor.holder].filter((p): p is NonNullable<typeof p> => p !== null);
  throw new CaseroomError('not_your_floor', undefined, { details: { speakers: voices.map((p) => p.userId) } });
}

/** Throws unless `who` may give the floor away or take it back: the owner or a supervisor. */
export function assertMayGiveFloor(who: Identity, ownership: Ownership): void {
  if (who.role === 'supervisor' || ownership.owner?.userId === who.userId) return;
  throw new CaseroomError('not_owner', 'Only the owner (or a supervisor) gives the floor');
}

/** Throws unless `who` may end the floor in force: who may give it, or its holder handing it back. */
export function assertMayTakeFloor(who: Identity, ownership: Ownership, floor: Floor): void {
  if (floor.holder?.userId === who.userId) return;
  assertMayGiveFloor(who, ownership);
}

/** Throws `not_your_channel` unless `who` is a connector whose token carries `channel`. */
export function assertConnectorOf(who: Identity, channel: Channel): void {
  if (who.role === 'bot' && who.channels?.includes(channel)) return;
  throw new CaseroomError('not_your_channel', `Only a channel connector whose token carries ${channel} can do that`);
}

/** What a delivery report changes: the status it replaces (compare-and-set), or nothing when it repeats the last one. */
export type DeliveryStep = { from: DeliveryStatus; to: Delivery } | 'unchanged';

/**
 * A connector's report on an outbound message. A message goes from pending to delivered or
 * failed; a failed one may still be delivered (the channel retried); delivered is final.
 */
export function nextDelivery(
  message: Message,
  report: { status: 'delivered' | 'failed'; reason: string | null },
  at: string,
): DeliveryStep {
  const current = message.delivery;
  if (message.direction !== 'out' || current === null)
    throw new CaseroomError('unknown_message', `Message ${message.seq} is not one the hub sent to the customer`);
  if (current.status === report.status && current.reason === report.reason) return 'unchanged';
  if (current.status === 'delivered') throw new CaseroomError('already_delivered');
  return { from: current.status, to: { status: report.status, reason: report.reason, at } };
}

/** Throws unless `message` can be amended at all: an original message, not already redacted. */
export function assertAmendable(message: Message): void {
  if (message.kind !== 'message')
    throw new CaseroomError('invalid_payload', 'Only a message can be amended, not a correction or a redaction');
  if (message.redacted) throw new CaseroomError('invalid_payload', 'The message is redacted');
}

/** A correction comes from whoever wrote the message: its author, or the connector of its channel for a customer's. */
export function assertMayCorrect(who: Identity, message: Message): void {
  assertAmendable(message);
  if (message.direction === 'in') return assertConnectorOf(who, message.channel);
  if (message.author.userId !== who.userId) throw new CaseroomError('forbidden', 'Only its author can correct a reply');
}

/** A redaction comes from the owner, a supervisor, or the message's author. */
export function assertMayRedact(who: Identity, message: Message, ownership: Ownership): void {
  assertAmendable(message);
  if (who.role === 'supervisor' || ownership.owner?.userId === who.userId || message.author.userId === who.userId) return;
  throw new CaseroomError('forbidden', 'Only the owner, a supervisor or its author can redact a message');
}
