/** Validation at the edges (HTTP bodies, socket payloads): zod schemas, one error shape. */
import { caseIdPattern, caseStatuses, CaseroomError, presenceStatuses, reviewVerdicts, verdicts, type ErrorCode } from '@caseroom/shared';
import { z } from 'zod';

export const caseIdSchema = z
  .string()
  .regex(caseIdPattern, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const caseRequestSchema = z.strictObject({ caseId: caseIdSchema });
export const joinRequestSchema = z.strictObject({ caseId: caseIdSchema, stateVector: z.instanceof(Uint8Array).optional() });
export const userIdSchema = z.string().min(1).max(200);
export const personRequestSchema = z.strictObject({ caseId: caseIdSchema, userId: userIdSchema });
/** A JWT in its compact form (three base64url parts); the signature is checked by Access. */
export const refreshRequestSchema = z.strictObject({ token: z.string().min(1).max(16_384) });
export const statusRequestSchema = z.strictObject({ caseId: caseIdSchema, status: z.enum(presenceStatuses) });

const text = (max: number) => z.string().trim().min(1).max(max);

/** Money in a major unit: positive, finite, at most two decimals. Failures are `invalid_amount`. */
const amountSchema = z
  .number()
  .positive()
  .max(1_000_000_000)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'must have at most two decimals');

/** Refusals of an approval request's money fields get their own code. */
export const amountFieldCodes = { amount: 'invalid_amount', currency: 'invalid_amount' } as const;

export const approvalRequestSchema = z
  .strictObject({
    caseId: caseIdSchema,
    kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,49}$/, 'must be a lower-case word like refund or fee_waiver'),
    summary: text(500),
    amount: amountSchema.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like EUR')
      .optional(),
    customerProposal: text(1000).optional(),
    policyRef: text(200).optional(),
    expiresIn: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .refine((r) => (r.amount === undefined) === (r.currency === undefined), {
    message: 'amount and currency go together',
    path: ['currency'],
  });

export const approvalIdSchema = z.strictObject({ approvalId: z.string().min(1).max(100) });
export const approvalDecisionSchema = z.strictObject({
  approvalId: z.string().min(1).max(100),
  verdict: z.enum(verdicts),
  comment: text(1000).optional(),
});
export const reviewSchema = z.strictObject({ verdict: z.enum(reviewVerdicts), note: text(2000) });
export const reviewListingSchema = z.object({
  team: z.string().min(1).max(100).optional(),
  reviewed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export const eventPageSchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

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

/**
 * Parses `value` or throws naming the first wrong field: `invalid_payload`, or the code
 * `fieldCodes` gives that field's top-level name.
 */
export function parse<T>(schema: z.ZodType<T>, value: unknown, fieldCodes: Partial<Record<string, ErrorCode>> = {}): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // zod reports an unknown key at the object that holds it; the key itself is the wrong field.
  const path = issue?.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : (issue?.path ?? []);
  const field = path.join('.');
  const message = field ? `${field}: ${issue?.message ?? 'is not valid'}` : (issue?.message ?? 'The request is not well formed');
  const code = fieldCodes[String(issue?.path[0] ?? '')] ?? 'invalid_payload';
  throw new CaseroomError(code, message, { field });
}
