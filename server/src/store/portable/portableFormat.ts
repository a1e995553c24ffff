/**
 * The portable form of a store's cases: NDJSON, one record a line, the same whatever store wrote
 * it or will read it. The first line names the format and its version; the last counts what came
 * before it, so a stream cut short (a full disk, a broken pipe) is refused instead of half
 * imported. Every line is checked with these schemas before anything is written.
 *
 * Event ids and webhook cursors are store-specific and are not carried: the importing store gives
 * events ids of its own (each case keeps its seq, also when retention had trimmed its first
 * events: see the `trimmed` record), and webhooks start after the last event imported.
 */
import {
  approvalSchema,
  caseEventSchema,
  caseEventTypes,
  caseIdSchema,
  caseRecordSchema,
  channelSchema,
  messageSchema,
  ownershipRecordSchema,
  ownershipSchema,
  roles,
  speakerSchema,
  timeSchema,
} from '@caseroom/shared';
import { z } from 'zod';

export const exportFormat = 'caseroom-export';
export const exportVersion = 1;

export const headerSchema = z.strictObject({
  format: z.literal(exportFormat),
  version: z.literal(exportVersion),
  exportedAt: timeSchema,
  /** the kind of store exported (`sqlite`, `redis`): for the operator's information */
  store: z.string(),
});
export type ExportHeader = z.infer<typeof headerSchema>;

/** Loose enough to read any header, to say what is wrong with one that is not ours. */
export const anyHeaderSchema = z.looseObject({ format: z.unknown(), version: z.unknown() });

const identitySchema = z.strictObject({
  userId: z.string().min(1),
  name: z.string(),
  role: z.enum(roles),
  team: z.string(),
  department: z.string().optional(),
  eventTypes: z.array(z.string()).optional(),
  channels: z.array(channelSchema).optional(),
});

const floorSchema = z.strictObject({
  holder: speakerSchema,
  givenBy: z.string(),
  since: timeSchema,
  epoch: z.number().int().nonnegative(),
});

const webhookSchema = z.strictObject({
  id: z.string().min(1),
  url: z.string().min(1),
  types: z.array(z.enum(caseEventTypes)).nullable(),
  team: z.string(),
  createdAt: timeSchema,
  createdBy: z.string(),
  /** the HMAC key its receiver checks signatures with: carried, so receivers keep working */
  secret: z.string().min(1),
});

/**
 * A case's event without its store-specific id. `caseId` may also be a team feed's (`team:<team>`);
 * the team an event is filed under is its case's, or its feed's.
 */
const eventSchema = caseEventSchema.omit({ id: true }).extend({ caseId: z.string().min(1) });
export type ExportedEvent = z.infer<typeof eventSchema>;

export const recordTypes = [
  'person',
  'revocation',
  'case',
  'document',
  'ownership',
  'approval',
  'message',
  'floor',
  'trimmed',
  'event',
  'webhook',
] as const;
export type RecordType = (typeof recordTypes)[number];

export const exportRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('person'), identity: identitySchema }),
  z.strictObject({ type: z.literal('revocation'), userId: z.string().min(1), at: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('case'), record: caseRecordSchema }),
  /** the whole Yjs state of the case document, one update, base64 */
  z.strictObject({ type: z.literal('document'), caseId: caseIdSchema, state: z.base64() }),
  z.strictObject({
    type: z.literal('ownership'),
    caseId: caseIdSchema,
    ownership: ownershipSchema,
    history: z.array(ownershipRecordSchema),
  }),
  z.strictObject({ type: z.literal('approval'), approval: approvalSchema }),
  /** with what the channel last reported about delivering it */
  z.strictObject({ type: z.literal('message'), message: messageSchema }),
  z.strictObject({ type: z.literal('floor'), caseId: caseIdSchema, floor: floorSchema }),
  /** the case's events 1..`through` were removed by the source's retention: its first event exported is `through + 1` */
  z.strictObject({ type: z.literal('trimmed'), caseId: caseIdSchema, through: z.number().int().positive() }),
  z.strictObject({ type: z.literal('event'), event: eventSchema }),
  z.strictObject({ type: z.literal('webhook'), webhook: webhookSchema }),
  z.strictObject({ type: z.literal('end'), counts: z.record(z.enum(recordTypes), z.number().int().nonnegative()) }),
]);
export type ExportRecord = z.infer<typeof exportRecordSchema>;

export type ExportCounts = Record<RecordType, number>;

export function noCounts(): ExportCounts {
  return Object.fromEntries(recordTypes.map((type) => [type, 0])) as ExportCounts;
}
