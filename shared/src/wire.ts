/**
 * The building blocks every wire schema is made of, and how a payload that fails its schema is
 * refused: with `invalid_payload` (or the code its event gives the field) naming the first wrong
 * field. Binary stays binary: a schema for bytes accepts what Socket.IO delivers (a Buffer in
 * Node is a Uint8Array) and hands the same bytes on, never a copy, never JSON.
 */
import { z } from 'zod';
import { CaseroomError, type ErrorCode } from './errors.js';

/**
 * y-protocols bytes (a sync message, an awareness update, a state vector). A browser receives the
 * hub's binary payloads as ArrayBuffer; the SDK turns them into Uint8Array before reading.
 */
export const bytesSchema = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'Expected a binary message' });

/** A time as the hub writes it: ISO 8601 in UTC (`Date.prototype.toISOString`). */
export const timeSchema = z.iso.datetime();

/** Free text a person typed: trimmed, not empty, at most `max` characters. */
export const typedText = (max: number) => z.string().trim().min(1).max(max);

/** A team's name, as tokens and requests carry it. */
export const teamSchema = z.string().min(1).max(100);

/** The acknowledgement of a request that carries nothing but `ok: true`. */
export const nothing = z.strictObject({});

/**
 * Parses `value` or throws naming the first wrong field: `invalid_payload`, or the code
 * `fieldCodes` gives that field's top-level name.
 */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  value: unknown,
  fieldCodes: Partial<Record<string, ErrorCode>> = {},
): z.output<S> {
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
