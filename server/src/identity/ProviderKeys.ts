/**
 * The signing keys an identity provider publishes as a JWKS, fetched with jose's remote key set:
 * cached for `cacheMaxAgeMs`, fetched again when a token names a key id the cache lacks (a
 * rotation), but at most once per `cooldownMs`, so tokens with made-up key ids cannot turn the hub
 * into a load generator against the provider. A fetch that fails also holds the next one off for
 * `cooldownMs`, so a struggling provider is not asked again for every token that arrives meanwhile.
 *
 * A key set that cannot be fetched is not the token's fault: that failure surfaces as
 * `KeysUnavailable`, which the hub answers with `identity_unavailable` (503), not `invalid_token`.
 */
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  type FetchImplementation,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
} from 'jose';
import type { webcrypto } from 'node:crypto';

/**
 * Signature algorithms a provider's tokens may use: public-key ones only. HS* would let anyone who
 * reads the published key sign tokens with it; `none` signs nothing.
 */
export const providerAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export type ProviderAlgorithm = (typeof providerAlgorithms)[number];

/** What the providers caseroom is used with sign with (Keycloak, Okta, Auth0, Entra ID: RS256); others are opt-in. */
export const defaultProviderAlgorithms: ProviderAlgorithm[] = ['RS256', 'ES256', 'PS256', 'EdDSA'];

export interface ProviderKeyOptions {
  /** where the provider publishes its JWKS (e.g. `https://id.example.com/realms/support/protocol/openid-connect/certs`) */
  url: URL;
  algorithms: ProviderAlgorithm[];
  /** least time between two fetches prompted by unknown key ids */
  cooldownMs: number;
  /** how long fetched keys are used before they are fetched again (and so how long a removed key stays trusted) */
  cacheMaxAgeMs: number;
  /** how long one fetch may take */
  timeoutMs: number;
}

/** The provider's key set could not be fetched or read; `cause` says why. */
export class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('The identity provider key set is unavailable', { cause });
    this.name = 'KeysUnavailable';
  }
}

/** A fetch not attempted because the last one failed less than a cooldown ago; `cause` is that failure. */
class HoldingOff extends Error {
  constructor(cause: unknown) {
    super('The last fetch of the key set failed moments ago', { cause });
    this.name = 'HoldingOff';
  }
}

export class ProviderKeys {
  readonly algorithms: readonly ProviderAlgorithm[];
  /** the key set's address without its query, safe to log */
  readonly where: string;
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  private readonly cooldownMs: number;
  /** the last failed fetch, and when the next may be attempted */
  private failure: { error: unknown; retryAt: number } | null = null;

  constructor(options: ProviderKeyOptions) {
    this.algorithms = options.algorithms;
    this.where = `${options.url.origin}${options.url.pathname}`;
    this.cooldownMs = options.cooldownMs;
    this.remote = createRemoteJWKSet(options.url, {
      cooldownDuration: options.cooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs,
      timeoutDuration: options.timeoutMs,
      // jose's cooldown counts from the last successful fetch only; this one covers failed ones.
      [customFetch]: this.fetchKeys,
    });
  }

  private readonly fetchKeys: FetchImplementation = (url, init) => {
    if (this.failure && Date.now() < this.failure.retryAt) return Promise.reject(new HoldingOff(this.failure.error));
    return fetch(url, init);
  };

  /** A jose key resolver: the published key the token's header names. */
  readonly resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<webcrypto.CryptoKey> => {
    try {
      return await this.remote(header, token);
    } catch (err) {
      // These say something about the token (an unknown key id, no key id among several keys, an
      // algorithm no published key has); anything else is a fetch or a key set that went wrong.
      if (
        err instanceof joseErrors.JWKSNoMatchingKey ||
        err instanceof joseErrors.JWKSMultipleMatchingKeys ||
        err instanceof joseErrors.JOSENotSupported
      ) {
        throw err;
      }
      if (err instanceof HoldingOff) throw new KeysUnavailable(err.cause);
      this.failure = { error: err, retryAt: Date.now() + this.cooldownMs };
      throw new KeysUnavailable(err);
    }
  };
}
