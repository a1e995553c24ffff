/**
 * Verifies (and, for the development login, mints) caseroom JWTs. Two kinds of key, never mixed:
 * the shared secret (HS256) and, when configured, an identity provider's published keys (RS256,
 * ES256, … from its JWKS). The accepted algorithms are pinned and each one is checked only against
 * its own kind of key, so `alg: none` and a token HMAC-signed with a public key are refused.
 */
import { CaseroomError, type Identity, type Role } from '@caseroom/shared';
import {
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import { webcrypto } from 'node:crypto';
import type { Log } from '../logger.js';
import { defaultClaimNames, IdentityClaims, type ClaimNames } from './IdentityClaims.js';
import { KeysUnavailable, ProviderKeys, type ProviderKeyOptions } from './ProviderKeys.js';

type CryptoKey = webcrypto.CryptoKey;

export interface TokenOptions {
  /** HS256 secret: signs the development login's tokens, and every token when there is no identity provider */
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** the identity provider's JWKS; absent or null: HS256 with the secret only */
  jwks?: ProviderKeyOptions | null | undefined;
  /** with an identity provider, whether HS256 tokens signed with the secret are accepted too (default: no) */
  acceptSecret?: boolean | undefined;
  claims?: ClaimNames | undefined;
  roleMap?: ReadonlyMap<string, Role> | undefined;
}

/** The secret as an HMAC key; jose would otherwise import the raw bytes again on every call. */
function hmacKey(secret: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** What a verified token says: who, and when it was issued and expires (ms since the epoch; null when it does not say). */
export interface VerifiedToken {
  identity: Identity;
  issuedAt: number | null;
  expiresAt: number | null;
}

export class Tokens {
  private readonly key: Promise<CryptoKey>;
  private readonly issuer: string | undefined;
  private readonly audience: string | undefined;
  private readonly provider: ProviderKeys | null;
  private readonly algorithms: string[];
  private readonly claims: IdentityClaims;

  constructor(
    options: TokenOptions,
    private readonly log?: Log,
  ) {
    // Imported once, when the hub starts, so the first connection after a restart does not wait for it.
    this.key = hmacKey(options.secret);
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.provider = options.jwks ? new ProviderKeys(options.jwks) : null;
    const acceptSecret = this.provider === null || options.acceptSecret === true;
    this.algorithms = [...(this.provider?.algorithms ?? []), ...(acceptSecret ? ['HS256'] : [])];
    this.claims = new IdentityClaims(options.claims ?? defaultClaimNames, options.roleMap);
  }

  /**
   * Returns who the token speaks for and when it was issued and expires, or throws
   * `unauthenticated`, `invalid_token`, `token_expired`, or `identity_unavailable` when the
   * provider's keys cannot be fetched.
   */
  async verify(token: unknown): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0) throw new CaseroomError('unauthenticated');
    let result: JWTVerifyResult;
    try {
      result = await this.check(token);
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new CaseroomError('token_expired');
      if (err instanceof KeysUnavailable) {
        this.log?.warn({ err: err.cause, jwks: this.provider?.where }, 'identity provider keys unavailable: token refused');
        throw new CaseroomError('identity_unavailable');
      }
      throw new CaseroomError('invalid_token');
    }
    const { iat, exp } = result.payload;
    return {
      identity: this.claims.read(result.payload),
      issuedAt: typeof iat === 'number' ? iat * 1000 : null,
      expiresAt: typeof exp === 'number' ? exp * 1000 : null,
    };
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

  private async check(token: string): Promise<JWTVerifyResult> {
    const options: JWTVerifyOptions = {
      algorithms: this.algorithms,
      ...(this.issuer ? { issuer: this.issuer } : {}),
      ...(this.audience ? { audience: this.audience } : {}),
    };
    const provider = this.provider;
    if (!provider) return jwtVerify(token, await this.key, options);
    // jose has checked `alg` against the pinned list before it asks for a key.
    const keyFor = async (header: JWSHeaderParameters, jws: FlattenedJWSInput): Promise<CryptoKey> =>
      header.alg === 'HS256' ? this.key : provider.resolve(header, jws);
    try {
      return await jwtVerify(token, keyFor, options);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSMultipleMatchingKeys)) throw err;
      // No `kid` and several published keys of the token's type (an overlap during rotation):
      // jose leaves trying each to the caller.
      for await (const key of err) {
        try {
          return await jwtVerify(token, key, options);
        } catch (inner) {
          if (!(inner instanceof joseErrors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new joseErrors.JWSSignatureVerificationFailed();
    }
  }
}
