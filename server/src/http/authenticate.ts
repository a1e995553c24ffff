import type { Identity } from '@caseroom/shared';
import type { NextFunction, Request, Response } from 'express';
import type { Tokens } from '../identity/Tokens.js';

declare module 'express-serve-static-core' {
  interface Request {
    identity?: Identity;
  }
}

/** Reads `Authorization: Bearer <jwt>` and attaches who it speaks for; refuses otherwise. */
export function authenticate(tokens: Tokens) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    req.identity = await tokens.verify(token);
    next();
  };
}

/** The identity `authenticate` attached; routes behind it can rely on it. */
export function identityOf(req: Request): Identity {
  if (!req.identity) throw new Error('identityOf used on a route without authenticate');
  return req.identity;
}
