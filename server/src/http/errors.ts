import { CaseroomError, toWireError } from '@caseroom/shared';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

/**
 * Turns every error into `{ ok: false, error: { code, message } }` with the catalogue's status.
 * A refusal (4xx) is the client's mistake and is logged at debug: anyone can send a bad request,
 * so it must never page an operator. The hub's own conditions (store unreachable, draining) are
 * warnings; only what no code explains is a 500 at error level.
 */
export function errorResponder(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = err instanceof CaseroomError ? err : fromClientMistake(err);
    const where = { method: req.method, path: req.path.slice(0, 200) };
    if (!known || known.code === 'internal_error') log.error({ err, ...where }, 'request failed');
    else if (known.status >= 500) log.warn({ ...where, code: known.code }, 'request not served');
    else log.debug({ ...where, code: known.code }, 'request refused');
    res.status(known?.status ?? 500).json({ ok: false, error: known ? known.toWire() : toWireError(err) });
  };
}

/**
 * What express, its router and its body parser throw for a request the client got wrong: a
 * path parameter whose percent-escapes do not decode, a body that does not inflate, parse or
 * fit. They all carry a 4xx `status` (http-errors' convention), and so does anything else that
 * follows it, so one rule covers them: a 4xx status is a refusal with our code, never a 500.
 */
function fromClientMistake(err: unknown): CaseroomError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { status, statusCode, type, code } = err as { status?: unknown; statusCode?: unknown; type?: unknown; code?: unknown };
  const httpStatus = typeof status === 'number' ? status : statusCode;
  if (typeof httpStatus !== 'number' || httpStatus < 400 || httpStatus >= 500) return null;
  if (err instanceof URIError) return new CaseroomError('invalid_payload', 'The request path holds a malformed percent-escape');
  if (type === 'entity.too.large' || httpStatus === 413) return new CaseroomError('payload_too_large', 'The request body is too large');
  if (type === 'entity.parse.failed') return new CaseroomError('invalid_payload', 'The request body is not valid JSON');
  // zlib's and brotli's codes (Z_DATA_ERROR, ERR__ERROR_FORMAT_PADDING_1): the body is not what its content-encoding says.
  if (typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code))
    return new CaseroomError('invalid_payload', 'The request body does not decode as its content-encoding says');
  if (type === 'request.size.invalid')
    return new CaseroomError('invalid_payload', 'The request body is not as long as its content-length says');
  if (type === 'request.aborted') return new CaseroomError('invalid_payload', 'The request body ended early');
  if (httpStatus === 415) return new CaseroomError('unsupported_media_type');
  if (httpStatus === 404) return new CaseroomError('not_found');
  return new CaseroomError('invalid_payload');
}
