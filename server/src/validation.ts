/** Validation at the edges (HTTP bodies, socket payloads): zod schemas, one error shape. */
import { caseIdPattern, caseStatuses, CaseroomError, presenceStatuses } from '@caseroom/shared';
import { z } from 'zod';

export const caseIdSchema = z.string().regex(caseIdPattern, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const caseRequestSchema = z.strictObject({ caseId: caseIdSchema });
export const personRequestSchema = z.strictObject({ caseId: caseIdSchema, userId: z.string().min(1).max(200) });
export const statusRequestSchema = z.strictObject({ caseId: caseIdSchema, status: z.enum(presenceStatuses) });

export const newCaseSchema = z.strictObject({
  id: caseIdSchema.optional(),
  subject: z.string().trim().min(1).max(200),
  team: z.string().min(1).max(100).optional(),
  customer: z.strictObject({ name: z.string().trim().min(1).max(200), channel: z.string().trim().min(1).max(50) }).optional(),
});

export const caseListingSchema = z.object({
  team: z.string().min(1).max(100).optional(),
  status: z.enum(caseStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

/** Parses `value` or throws `invalid_payload` naming the first wrong field. */
export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const message = field ? `${field}: ${issue?.message ?? 'is not valid'}` : (issue?.message ?? 'The request is not well formed');
  throw new CaseroomError('invalid_payload', message, { field });
}
