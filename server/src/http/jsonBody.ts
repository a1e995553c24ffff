/**
 * The one kind of request body the hub reads: JSON in UTF-8, sent as is or compressed, up to a
 * limit. A body of another type is refused with `unsupported_media_type` rather than skipped, so
 * a form post hears what is wrong instead of being told that every field is missing.
 */
import { CaseroomError } from '@caseroom/shared';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

export function jsonBody(limit: string): RequestHandler[] {
  return [refuseOtherMediaTypes, express.json({ limit })];
}

function refuseOtherMediaTypes(req: Request, _res: Response, next: NextFunction): void {
  // `content-length: 0` is no body at all, whatever its type says: a bare POST stays welcome.
  const carriesBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  // The same test express.json() makes: what it would skip, we refuse.
  if (carriesBody && !req.is('application/json')) next(new CaseroomError('unsupported_media_type'));
  else next();
}
