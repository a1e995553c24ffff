/**
 * The one check every way in makes (HTTP, the Socket.IO handshake and `auth:refresh`, the
 * y-websocket upgrade): the token verifies, and its person was not revoked after it was issued.
 * What it grants includes when it ends, so that connections can stop writing at that moment.
 */
import { CaseroomError, type Identity } from '@caseroom/shared';
import { decodeJwt } from 'jose';
import type { Revocations } from './Revocations.js';
import type { Tokens } from './Tokens.js';

export interface Grant {
  identity: Identity;
  /** when the token expires (ms since the epoch); null when it does not say */
  expiresAt: number | null;
  /** when it was issued (ms since the epoch); null when it does not say */
  issuedAt: number | null;
}

export class Access {
  constructor(
    private readonly tokens: Tokens,
    readonly revocations: Revocations,
  ) {}

  /** Throws `unauthenticated`, `invalid_token`, `token_expired` or `token_revoked`. */
  async verify(token: unknown): Promise<Grant> {
    const identity = await this.tokens.verify(token);
    // Verified above: reading its times again needs no second check.
    const { iat, exp } = decodeJwt(token as string);
    const issuedAt = typeof iat === 'number' ? iat * 1000 : null;
    if (this.revocations.refuses(identity.userId, issuedAt)) throw new CaseroomError('token_revoked');
    return { identity, expiresAt: typeof exp === 'number' ? exp * 1000 : null, issuedAt };
  }
}
