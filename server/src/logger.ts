import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths that could hold a credential, wherever a request, handshake or URL query is logged. */
const credentialPaths = [
  'token',
  '*.token',
  '*.*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'auth',
  '*.auth',
  'query.token',
  '*.query.token',
];

/**
 * JSON logs for operators (one line per meaningful event, on stdout unless `destination` is
 * given). Anything that could hold a credential is redacted by path, so a token never reaches a
 * log line even when a request object is logged by mistake. Document bytes and message bodies
 * are never passed to the logger in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'caseroom' }, redact: { paths: credentialPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
