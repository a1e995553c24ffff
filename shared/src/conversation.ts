/**
 * The conversation of a case: what the customer said and was told, on any channel, as one
 * ordered thread. Unlike the case document it is not a CRDT: the hub stamps every message with
 * its place (`seq`), its time and its authenticated author, and a message never changes once
 * stored. A correction or a redaction is a new entry pointing at the one it amends; what a
 * connector reports about delivering a reply is kept beside the message, not in it.
 *
 * One voice speaks to the customer: the case's owner, and whoever the owner gave the floor to.
 */
import { z } from 'zod';
import { caseIdSchema } from './cases.js';
import { roles } from './identity.js';
import { userIdSchema } from './people.js';
import { timeSchema, typedText } from './wire.js';

/** The ways a customer reaches the team; a case may move between them and stays one thread. */
export const channels = ['chat', 'email', 'phone', 'sms', 'social', 'video', 'in_person', 'web'] as const;
export type Channel = (typeof channels)[number];
export const channelSchema = z.enum(channels);

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (channels as readonly string[]).includes(value);
}

/** `in` from the customer, `out` to the customer. */
export const directions = ['in', 'out'] as const;
export type Direction = (typeof directions)[number];

/** A message, or a new entry amending an earlier one (`replaces`). */
export const messageKinds = ['message', 'correction', 'redaction'] as const;
export type MessageKind = (typeof messageKinds)[number];

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** The longest message body, in characters (a long email fits; a document belongs in an attachment). */
export const maxMessageBody = 20_000;

/** The most messages one page of history holds. */
export const maxHistoryPage = 200;

/** A message's place in its case's thread: 1, 2, 3 … in the order the hub stored them. */
export const messageSeqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Who wrote a message, as the hub knew them when it stored it; `department` labels a reply ("Sam · Shipping"). */
export const speakerSchema = z.strictObject({
  userId: z.string(),
  name: z.string(),
  role: z.enum(roles),
  department: z.string().optional(),
});
export type Speaker = z.infer<typeof speakerSchema>;

/** A file the customer or the team shared, by reference: the hub stores no files. */
export const attachmentSchema = z.strictObject({
  url: z.string().max(2048).refine(isWebUrl, 'must be an http or https URL'),
  name: typedText(300),
  /** bytes */
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type Attachment = z.infer<typeof attachmentSchema>;

/** The customer's side of a message: who sent an inbound one, who an outbound one goes to. */
export const counterpartSchema = z.strictObject({
  name: typedText(200).optional(),
  /** an email address, a phone number, a handle: whatever the channel delivers to */
  address: typedText(320).optional(),
});
export type Counterpart = z.infer<typeof counterpartSchema>;

/** What the channel connector last reported about delivering an outbound message. */
export const deliverySchema = z.strictObject({
  status: z.enum(deliveryStatuses),
  /** why it failed, as the channel said */
  reason: z.string().nullable(),
  at: timeSchema,
});
export type Delivery = z.infer<typeof deliverySchema>;

export const messageSchema = z.strictObject({
  caseId: caseIdSchema,
  seq: messageSeqSchema,
  /** when the hub stored it */
  at: timeSchema,
  kind: z.enum(messageKinds),
  direction: z.enum(directions),
  channel: channelSchema,
  /** the text; for a redaction, why the earlier message was hidden; '' in a redacted message */
  body: z.string(),
  author: speakerSchema,
  attachments: z.array(attachmentSchema),
  /** the channel's own id of an inbound message: posting it again stores nothing new */
  externalId: z.string().nullable(),
  customer: counterpartSchema.nullable(),
  /** when the channel says the customer sent it (inbound), if it says */
  sentAt: timeSchema.nullable(),
  /** the entry a correction or a redaction amends */
  replaces: messageSeqSchema.nullable(),
  /** true when a later redaction hid this message's body and attachments */
  redacted: z.boolean(),
  /** outbound messages only: what the connector last reported */
  delivery: deliverySchema.nullable(),
});
export type Message = z.infer<typeof messageSchema>;

/** Who may speak to the customer besides the owner; the floor returns to the owner alone when ownership changes. */
export const floorSchema = z.strictObject({
  holder: speakerSchema.nullable(),
  /** who gave it (user id) */
  givenBy: z.string().nullable(),
  since: timeSchema.nullable(),
});
export type Floor = z.infer<typeof floorSchema>;

export const openFloor: Floor = { holder: null, givenBy: null, since: null };

/** Someone who may speak is writing a reply (or stopped). */
export const composingSchema = z.strictObject({
  person: speakerSchema,
  composing: z.boolean(),
  /** until when the mark holds unless renewed (ISO); null when it was cleared */
  until: timeSchema.nullable(),
});
export type Composing = z.infer<typeof composingSchema>;

/** The conversation as a joining client gets it: the newest messages, the floor, who is replying. */
export const conversationStateSchema = z.strictObject({
  /** the newest messages, oldest first; ask `conversation:history` for earlier ones */
  messages: z.array(messageSchema),
  /** the seq of the newest message (0: none yet) */
  lastSeq: z.number().int().nonnegative(),
  floor: floorSchema,
  composing: z.array(composingSchema),
});
export type ConversationState = z.infer<typeof conversationStateSchema>;

const attachmentsSchema = z.array(attachmentSchema).max(20);
const bodySchema = z.string().trim().min(1).max(maxMessageBody);

/** A reply to the customer, from the owner or the floor's holder. */
export const sendRequestSchema = z.strictObject({
  caseId: caseIdSchema,
  body: bodySchema,
  /** where it goes; by default the channel the customer last wrote on */
  channel: channelSchema.optional(),
  attachments: attachmentsSchema.optional(),
  /** send even though someone else is writing a reply (after `reply_in_progress`) */
  confirm: z.boolean().optional(),
  /** your own id of this reply: sending it again (a retry after a lost answer) stores nothing new */
  clientMessageId: z.string().min(1).max(100).optional(),
});
export type SendRequest = z.input<typeof sendRequestSchema>;

/** An inbound message a channel connector brings in. */
export const postRequestSchema = z.strictObject({
  caseId: caseIdSchema,
  channel: channelSchema,
  body: bodySchema,
  /** the channel's id of the message: a retry with the same id stores nothing new */
  externalId: z.string().min(1).max(300),
  customer: counterpartSchema.optional(),
  sentAt: z.iso.datetime({ offset: true }).optional(),
  attachments: attachmentsSchema.optional(),
});
export type PostRequest = z.input<typeof postRequestSchema>;

/** A connector's report on delivering an outbound message. */
export const deliveryReportSchema = z
  .strictObject({
    caseId: caseIdSchema,
    seq: messageSeqSchema,
    status: z.enum(['delivered', 'failed']),
    reason: typedText(500).optional(),
  })
  .refine((r) => r.status === 'failed' || r.reason === undefined, { message: 'only a failure has a reason', path: ['reason'] });
export type DeliveryReport = z.input<typeof deliveryReportSchema>;

/** A corrected text for an earlier message (its author, or the channel for an inbound one). */
export const correctionRequestSchema = z.strictObject({
  caseId: caseIdSchema,
  seq: messageSeqSchema,
  body: bodySchema,
});

/** Hides an earlier message's body and attachments from everyone (the owner, a supervisor, or its author). */
export const redactionRequestSchema = z.strictObject({
  caseId: caseIdSchema,
  seq: messageSeqSchema,
  reason: typedText(500),
});

export const composingRequestSchema = z.strictObject({ caseId: caseIdSchema, composing: z.boolean() });

/** A page of the thread: before or after a seq (neither: the newest). */
export const historyRequestSchema = z
  .strictObject({
    caseId: caseIdSchema,
    after: z.number().int().nonnegative().optional(),
    before: messageSeqSchema.optional(),
    limit: z.number().int().min(1).max(maxHistoryPage).optional(),
  })
  .refine((r) => r.after === undefined || r.before === undefined, { message: 'give after or before, not both', path: ['before'] });
export type HistoryRequest = z.input<typeof historyRequestSchema>;

export const floorGiveRequestSchema = z.strictObject({ caseId: caseIdSchema, userId: userIdSchema });

/** How one speaker is labelled in a thread: "Sam · Shipping". */
export function speakerLabel(speaker: Pick<Speaker, 'name' | 'department'>): string {
  return speaker.department ? `${speaker.name} · ${speaker.department}` : speaker.name;
}

/**
 * The thread as people read it: each message with its latest correction's text, and redacted
 * messages emptied. Amending entries stay in the list, in order, so nothing is hidden about
 * what happened. Pure: the hub, the SDK and the console share it.
 */
export function readThread(messages: readonly Message[]): Message[] {
  const corrected = new Map<number, string>();
  const redacted = new Set<number>();
  for (const m of messages) {
    if (m.replaces === null) continue;
    if (m.kind === 'correction') corrected.set(m.replaces, m.body);
    if (m.kind === 'redaction') redacted.add(m.replaces);
  }
  return messages.map((m) => {
    if (redacted.has(m.seq)) return { ...m, body: '', attachments: [], redacted: true };
    const body = corrected.get(m.seq);
    return body === undefined ? m : { ...m, body };
  });
}

/** When the oldest inbound message not yet answered arrived (null: nobody is waiting), from messages in seq order. */
export function waitingSinceOf(messages: readonly Pick<Message, 'direction' | 'kind' | 'at'>[]): string | null {
  let since: string | null = null;
  for (const m of messages) {
    // Amending entries neither answer the customer nor make them wait.
    if (m.kind !== 'message') continue;
    if (m.direction === 'out') since = null;
    else since ??= m.at;
  }
  return since;
}

function isWebUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
