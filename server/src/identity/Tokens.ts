/**
 * Verifies (and, for the development login, mints) caseroom JWTs. HS256 only: the algorithm is
 * pinned so a token that says `alg: none` or switches algorithm is refused.
 */
import { caseEventTypes, CaseroomError, roles, type Identity } from '@caseroom/shared';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { webcrypto } from 'node:crypto';
import { z } from 'zod';

type CryptoKey = webcrypto.CryptoKey;

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  role: z.enum(roles),
  team: z.string().min(1).max(100),
  events: z.array(z.enum(caseEventTypes)).min(1).optional(),
});

export interface TokenOptions {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** The secret as an HMAC key; jose would otherwise import the raw bytes again on every call. */
function hmacKey(secret: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export class Tokens {
  private readonly key: Promise<CryptoKey>;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;

  constructor(options: TokenOptions) {
    // Imported once, when the hub starts, so the first connection after a restart does not wait for it.
    this.key = hmacKey(options.secret);
    this.issuer = options.issuer;
    this.audience = options.audience;
  }

  /** Returns who the token speaks for, or throws `unauthenticated`, `invalid_token` or `token_expired`. */
  async verify(token: unknown): Promise<Identity> {
    if (typeof token !== 'string' || token.length === 0) throw new CaseroomError('unauthenticated');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.key, {
        algorithms: ['HS256'],
        ...(this.issuer ? { issuer: this.issuer } : {}),
        ...(this.audience ? { audience: this.audience } : {}),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new CaseroomError('token_expired');
      throw new CaseroomError('invalid_token');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      const field = claims.error.issues[0]?.path.join('.') ?? '';
      throw new CaseroomError('invalid_token', `The token's claims are not valid (${field})`);
    }
    const { sub, name, role, team, events } = claims.data;
    return events ? { userId: sub, name, role, team, eventTypes: events } : { userId: sub, name, role, team };
  }

  /** Signs a token for `who`; used by the development login and by tests. */
  async mint(who: Identity, expiresIn: string | number = '12h'): Promise<string> {
    let jwt = new SignJWT({ name: who.name, role: who.role, team: who.team, ...(who.eventTypes ? { events: who.eventTypes } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(who.userId)
      .setIssuedAt()
      .setExpirationTime(expiresIn);
    if (this.issuer) jwt = jwt.setIssuer(this.issuer);
    if (this.audience) jwt = jwt.setAudience(this.audience);
    return jwt.sign(await this.key);
  }
}
