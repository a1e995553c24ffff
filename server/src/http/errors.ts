import { CaseroomError, toWireError } from '@caseroom/shared';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

/** Turns every error into `{ ok: false, error: { code, message } }` with the catalogue's status. */
export function errorResponder(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = fromBodyParser(err) ?? (err instanceof CaseroomError ? err : null);
    if (!known) log.error({ err, method: req.method, path: req.path }, 'request failed');
    const status = known?.status ?? 500;
    res.status(status).json({ ok: false, error: known ? known.toWire() : toWireError(err) });
  };
}

/** express.json() failures carry a `type`; map them to our codes. */
function fromBodyParser(err: unknown): CaseroomError | null {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new CaseroomError('payload_too_large', 'The request body is too large');
  if (type === 'entity.parse.failed') return new CaseroomError('invalid_payload', 'The request body is not valid JSON');
  if (typeof type === 'string' && type.startsWith('encoding.'))
    return new CaseroomError('invalid_payload', 'The request body encoding is not supported');
  return null;
}
