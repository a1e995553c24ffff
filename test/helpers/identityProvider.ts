/**
 * A stand-in identity provider: publishes a JWKS over HTTP on 127.0.0.1 (port 0), signs tokens
 * with its keys the way Keycloak or Okta would, counts the hub's fetches of its key set, and can
 * rotate its keys, answer with an error or garbage, or hang. Whoever starts one stops it.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { webcrypto } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type CryptoKey = webcrypto.CryptoKey;

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** the public key as the provider publishes it */
  jwk: JWK;
}

let keys = 0;

/** A fresh key pair for `alg`, published under `kid`. */
export async function signingKey(alg: string, kid = `${alg.toLowerCase()}-key-${++keys}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

export interface SignOptions {
  /** `exp` as a jose time span ('1h') or seconds since the epoch (default: one hour from now) */
  expiresIn?: string | number;
  /** the `kid` header (default: the key's own); null leaves it out */
  kid?: string | null;
}

/** Signs `claims` with `key` exactly as given, adding only `iat`, `exp` and the header. */
export function signWith(key: SigningKey, claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const kid = options.kid === undefined ? key.kid : options.kid;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, ...(kid === null ? {} : { kid }) })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(key.privateKey);
}

/** How the provider answers a request for its key set. */
export type JwksAnswer = 'keys' | 'server-error' | 'garbage' | 'hang';

export interface TestIdentityProvider {
  /** http://127.0.0.1:port, usable as the tokens' `iss` */
  readonly issuer: string;
  /** where the key set is published: give this to the hub as CASEROOM_JWKS_URL */
  readonly jwksUrl: string;
  /** when each request for the key set arrived (Date.now()), oldest first */
  readonly fetches: number[];
  /** what the next requests get (default: the published keys) */
  answer: JwksAnswer;
  /** Publishes exactly these keys from now on (earlier ones are removed). */
  publish(...keys: SigningKey[]): void;
  stop(): Promise<void>;
}

export async function startIdentityProvider(...published: SigningKey[]): Promise<TestIdentityProvider> {
  let current = published;
  const fetches: number[] = [];
  const provider = {
    issuer: '',
    jwksUrl: '',
    fetches,
    answer: 'keys' as JwksAnswer,
    publish(...next: SigningKey[]) {
      current = next;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/certs') {
      res.writeHead(404).end();
      return;
    }
    fetches.push(Date.now());
    switch (provider.answer) {
      case 'keys':
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: current.map((key) => key.jwk) }));
        return;
      case 'server-error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('the provider is having a bad day');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [');
        return;
      case 'hang':
        // Never answered; stop() cuts the connection.
        return;
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  provider.issuer = `http://127.0.0.1:${port}`;
  provider.jwksUrl = `${provider.issuer}/certs`;
  return provider;
}
