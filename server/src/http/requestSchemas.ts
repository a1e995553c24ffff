/**
 * What the HTTP API accepts besides ids: request bodies and query strings. Only the HTTP routes
 * read these; the Socket.IO requests' schemas are in the event table (shared/src/events.ts).
 */
import { caseIdSchema, caseSorts, caseStatuses, customerSchema, reviewVerdicts, teamSchema, typedText } from '@caseroom/shared';
import { z } from 'zod';

export const newCaseSchema = z.strictObject({
  id: caseIdSchema.optional(),
  subject: typedText(200),
  team: teamSchema.optional(),
  customer: customerSchema.optional(),
});

export const caseListingSchema = z.object({
  team: teamSchema.optional(),
  status: z.enum(caseStatuses).optional(),
  /** `waiting`: only cases whose customer waits for an answer, longest wait first */
  sort: z.enum(caseSorts).default('created'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export const eventPageSchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const reviewSchema = z.strictObject({ verdict: z.enum(reviewVerdicts), note: typedText(2000) });

export const reviewListingSchema = z.object({
  team: teamSchema.optional(),
  reviewed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});
