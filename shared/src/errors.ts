/**
 * Every error caseroom reports has a stable `code` from this catalogue and a human message.
 * The catalogue is the single place codes are defined; the server maps them to HTTP statuses
 * and acknowledgements, the SDK rejects promises with them.
 */
import { z } from 'zod';

export const errorCatalog = {
  // identity
  unauthenticated: { status: 401, message: 'A token is required' },
  invalid_token: { status: 401, message: 'The token is not valid' },
  token_expired: { status: 401, message: 'The token has expired' },
  token_revoked: { status: 401, message: 'This person was signed out by a supervisor; sign in again' },
  identity_unavailable: { status: 503, message: "The identity provider's keys cannot be fetched to check the token; try again shortly" },
  forbidden: { status: 403, message: 'You are not allowed to do that' },
  dev_login_disabled: { status: 404, message: 'The development login is off on this hub; sign in with a token from your application' },
  // input
  invalid_payload: { status: 400, message: 'The request is not well formed' },
  malformed_message: { status: 400, message: 'The binary message could not be decoded' },
  payload_too_large: { status: 413, message: 'The message is too large' },
  headers_too_large: { status: 431, message: 'The request headers are too large' },
  unsupported_media_type: { status: 415, message: 'Request bodies are JSON (application/json, UTF-8), sent as is or gzip, deflate or br' },
  rate_limited: { status: 429, message: 'Too many messages; slow down' },
  // cases and rooms
  unknown_case: { status: 404, message: 'No such case' },
  case_exists: { status: 409, message: 'A case with that id already exists' },
  not_joined: { status: 409, message: 'Join the case before sending messages for it' },
  too_many_cases: { status: 429, message: 'This connection has too many cases open' },
  document_too_large: { status: 413, message: 'The case document has reached its size limit' },
  invalid_document: { status: 422, message: 'The edit would break the case document (see details.path)' },
  forged_author: { status: 403, message: 'A fact can only be recorded in your own name' },
  missing_history: { status: 409, message: 'The edit builds on a change the hub does not have; send that change first' },
  not_found: { status: 404, message: 'Not found' },
  unknown_user: { status: 404, message: 'No such person is known to caseroom' },
  // ownership
  already_owned: { status: 409, message: 'The case already has an owner' },
  cannot_own: { status: 403, message: 'Only agents and supervisors can own a case' },
  not_owner: { status: 403, message: 'Only the owner can do that' },
  outside_team: { status: 403, message: "That person is not in the case's team" },
  not_offered: { status: 409, message: 'No handoff of this case is offered to you' },
  invalid_handoff: { status: 400, message: 'The case cannot be handed to that person' },
  supervisor_only: { status: 403, message: 'Only a supervisor can do that' },
  case_not_resolved: { status: 409, message: 'Resolve the case before releasing it' },
  // approvals
  unknown_approval: { status: 404, message: 'No such approval request' },
  invalid_amount: { status: 400, message: 'The amount is not valid' },
  self_approval: { status: 403, message: 'You cannot decide your own request' },
  bots_cannot_decide: { status: 403, message: 'Bots never decide approval requests' },
  already_decided: { status: 409, message: 'You have already decided this request' },
  approval_expired: { status: 409, message: 'The request has expired' },
  not_pending: { status: 409, message: 'The request is no longer pending' },
  not_requester: { status: 403, message: 'Only the person who asked can cancel the request' },
  not_decided: { status: 409, message: 'Only decided requests can be reviewed' },
  already_reviewed: { status: 409, message: 'The decision has already been reviewed' },
  // the conversation
  not_your_floor: { status: 403, message: 'Only the owner, and whoever the owner gave the floor to, write to the customer' },
  reply_in_progress: { status: 409, message: 'Someone else is writing a reply; send again with confirm to send anyway' },
  not_your_channel: { status: 403, message: 'Your token does not carry that channel' },
  unknown_message: { status: 404, message: 'No such message in this case' },
  not_in_room: { status: 409, message: 'That person is not in the case room' },
  already_delivered: { status: 409, message: 'The message was already reported delivered' },
  // events, bots and webhooks
  invalid_cursor: { status: 400, message: 'The cursor does not name a stored event' },
  cursor_expired: {
    status: 410,
    message: 'Events after this cursor were removed by the retention policy; details.oldest is the oldest cursor still available',
  },
  invalid_filter: { status: 400, message: 'The subscription filter is not valid' },
  out_of_scope: { status: 403, message: 'That is outside what your token lets you see' },
  invalid_url: { status: 400, message: 'Webhook URLs must be http or https' },
  forbidden_target: {
    status: 400,
    message: 'Webhooks may only reach public addresses, not loopback, private, link-local or cloud metadata ones',
  },
  unknown_subscription: { status: 404, message: 'No such subscription' },
  unknown_webhook: { status: 404, message: 'No such webhook' },
  // the client side
  not_connected: { status: 503, message: 'Not connected to the hub' },
  // the server
  store_unavailable: { status: 503, message: 'The store is not reachable' },
  shutting_down: { status: 503, message: 'The server is shutting down' },
  internal_error: { status: 500, message: 'Something went wrong on the server' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export const errorCodes = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

/** An error as it travels on the wire, in acknowledgements and HTTP bodies. */
export const wireErrorSchema = z.strictObject({
  code: z.enum(errorCodes),
  message: z.string(),
  /** For `invalid_payload`: the path of the first field that is wrong, e.g. `customer.name`. */
  field: z.string().optional(),
  /** Code-specific facts safe to show (e.g. `owner` on `already_owned`, `path` on `invalid_document`). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

/** A refused request's acknowledgement. */
export const refusalSchema = z.strictObject({ ok: z.literal(false), error: wireErrorSchema });

/** The acknowledgement every client request receives: `T` on success. */
export type Ack<T extends object = object> = ({ ok: true } & T) | z.infer<typeof refusalSchema>;

/** The schema of `Ack<T>` for an answer schema `T`. */
export function ackSchema<T extends z.ZodObject>(answer: T) {
  return z.discriminatedUnion('ok', [answer.extend({ ok: z.literal(true) }), refusalSchema]);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}

/**
 * An error with a catalogue code. Thrown inside the server where unwinding is simplest, and by
 * the SDK when a request is refused; `toWire()` is what reaches a client, never a stack trace.
 */
export class CaseroomError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  /** Extra, code-specific facts safe to show a client (e.g. the current owner on `already_owned`). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { field?: string; details?: Record<string, unknown> }) {
    super(message ?? errorCatalog[code].message);
    this.name = 'CaseroomError';
    this.code = code;
    this.field = options?.field;
    this.details = options?.details;
  }

  get status(): number {
    return errorCatalog[this.code].status;
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message };
    if (this.field !== undefined) wire.field = this.field;
    if (this.details !== undefined) wire.details = this.details;
    return wire;
  }

  static fromWire(error: WireError): CaseroomError {
    const { details } = error;
    const options: { field?: string; details?: Record<string, unknown> } = {};
    if (error.field !== undefined) options.field = error.field;
    if (details !== undefined) options.details = details;
    return new CaseroomError(isErrorCode(error.code) ? error.code : 'internal_error', error.message, options);
  }
}

/** Turns anything thrown into a wire error; unknown failures become `internal_error` with no detail. */
export function toWireError(err: unknown): WireError {
  if (err instanceof CaseroomError) return err.toWire();
  return { code: 'internal_error', message: errorCatalog.internal_error.message };
}
