/** Cases on the wire: how one is named, the record the API shows, and the requests that name one. */
import { z } from 'zod';
import type { Identity } from './identity.js';
import { bytesSchema, timeSchema, typedText } from './wire.js';

/** Case ids are URL- and key-safe so they can appear in paths, room names and store keys. */
export const caseIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const caseIdSchema = z
  .string()
  .regex(caseIdPattern, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const caseStatuses = ['open', 'resolved'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export const customerSchema = z.strictObject({ name: typedText(200), channel: typedText(50) });
export type Customer = z.infer<typeof customerSchema>;

/** A case as the API shows it. */
export const caseRecordSchema = z.strictObject({
  id: caseIdSchema,
  subject: z.string(),
  team: z.string(),
  status: z.enum(caseStatuses),
  customer: customerSchema.nullable(),
  createdAt: timeSchema,
  createdBy: z.string(),
  updatedAt: timeSchema,
  /** since when the customer waits for an answer: their oldest message not yet answered; null when nobody waits */
  waitingSince: timeSchema.nullable(),
});
export type CaseRecord = z.infer<typeof caseRecordSchema>;

/** How case listings are ordered: newest first, or only the cases whose customer waits, longest first. */
export const caseSorts = ['created', 'waiting'] as const;
export type CaseSort = (typeof caseSorts)[number];

/** A request about one case the socket joined. */
export const caseRequestSchema = z.strictObject({ caseId: caseIdSchema });

export const joinRequestSchema = z.strictObject({
  caseId: caseIdSchema,
  /**
   * The client's state vector (y-protocols sync step 1). When given, the acknowledgement carries
   * the server's answer as `update`, saving the `doc:sync` round trip before the first render.
   */
  stateVector: bytesSchema.optional(),
});

/** A page of a listing; pass `nextCursor` back as `cursor` for the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Whether `who` may open, read and edit a case of `team`. */
export function canAccessTeam(who: Pick<Identity, 'role' | 'team'>, team: string): boolean {
  return who.role === 'supervisor' || who.team === team;
}
