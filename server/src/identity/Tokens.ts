/**
 * Verifies (and, for the development login, mints) caseroom JWTs. HS256 only: the algorithm is
 * pinned so a token that says `alg: none` or switches algorithm is refused.
 */
import { CaseroomError, type Identity, type Role } from '@caseroom/shared';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { webcrypto } from 'node:crypto';
import { defaultClaimNames, IdentityClaims, type ClaimNames } from './IdentityClaims.js';

type CryptoKey = webcrypto.CryptoKey;

export interface TokenOptions {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
  claims?: ClaimNames | undefined;
  roleMap?: ReadonlyMap<string, Role> | undefined;
}

/** The secret as an HMAC key; jose would otherwise import the raw bytes again on every call. */
function hmacKey(secret: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export class Tokens {
  private readonly key: Promise<CryptoKey>;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;
  private readonly claims: IdentityClaims;

  constructor(options: TokenOptions) {
    // Imported once, when the hub starts, so the first connection after a restart does not wait for it.
    this.key = hmacKey(options.secret);
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.claims = new IdentityClaims(options.claims ?? defaultClaimNames, options.roleMap);
  }

  /** Returns who the token speaks for, or throws `unauthenticated`, `invalid_token` or `token_expired`. */
  async verify(token: unknown): Promise<Identity> {
    if (typeof token !== 'string' || token.length === 0) throw new CaseroomError('unauthenticated');
    let payload: JWTPayload;
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
    return this.claims.read(payload);
  }

  /** Signs a token for `who`; used by the development login and by tests. */
  async mint(who: Identity, expiresIn: string | number = '12h'): Promise<string> {
    let jwt = new SignJWT(this.claims.write(who))
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(who.userId)
      .setIssuedAt()
      .setExpirationTime(expiresIn);
    if (this.issuer) jwt = jwt.setIssuer(this.issuer);
    if (this.audience) jwt = jwt.setAudience(this.audience);
    return jwt.sign(await this.key);
  }
}
