import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs for operators. Anything that could hold a credential is redacted by path, so a
 * token never reaches a log line even when a request object is logged by mistake.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'caseroom' },
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'headers.authorization', 'auth.token'],
      censor: '[redacted]',
    },
  });
}
