import type { Identity } from '@caseroom/shared';
import type { NextFunction, Request, Response } from 'express';
import type { Access } from '../identity/Access.js';

declare module 'express-serve-static-core' {
  interface Request {
    identity?: Identity;
  }
}

/** Reads `Authorization: Bearer <jwt>` and attaches who it speaks for; refuses otherwise (revoked people too). */
export function authenticate(access: Access) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    req.identity = (await access.verify(bearerOf(req))).identity;
    next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
}

/** The identity `authenticate` attached; routes behind it can rely on it. */
export function identityOf(req: Request): Identity {
  if (!req.identity) throw new Error('identityOf used on a route without authenticate');
  return req.identity;
}
