/**
 * The one check every way in makes (HTTP, the Socket.IO handshake and `auth:refresh`, the
 * y-websocket upgrade): the token verifies, and its person was not revoked after it was issued.
 * What it grants includes when it ends, so that connections can stop writing at that moment.
 */
import { CaseroomError } from '@caseroom/shared';
import type { Revocations } from './Revocations.js';
import type { Tokens, VerifiedToken } from './Tokens.js';

/** What a token grants a connection: who, and from when until when. */
export type Grant = VerifiedToken;

export class Access {
  constructor(
    private readonly tokens: Tokens,
    readonly revocations: Revocations,
  ) {}

  /** Throws `unauthenticated`, `invalid_token`, `token_expired`, `identity_unavailable` or `token_revoked`. */
  async verify(token: unknown): Promise<Grant> {
    const grant = await this.tokens.verify(token);
    if (this.revocations.refuses(grant.identity.userId, grant.issuedAt)) throw new CaseroomError('token_revoked');
    return grant;
  }
}
