import { pino, type Bindings, type DestinationStream, type LogFn, type Logger } from 'pino';

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

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** What code that writes log lines needs; a pino `Logger` is one. */
export interface Log {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Bindings): Logger;
}

/**
 * A logger whose every line carries `bindings`, like `parent.child(bindings)`, for the objects a
 * hub holds thousands of (one per connection): a pino child costs about 800 bytes (its own
 * formatters and a closure per enabled level), this one the bindings and two references.
 * `child()` makes a real pino child, for the rarer things a connection starts.
 */
class BoundLog implements Log {
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  fatal(first: unknown, ...rest: unknown[]): void {
    this.write('fatal', first, rest);
  }
  error(first: unknown, ...rest: unknown[]): void {
    this.write('error', first, rest);
  }
  warn(first: unknown, ...rest: unknown[]): void {
    this.write('warn', first, rest);
  }
  info(first: unknown, ...rest: unknown[]): void {
    this.write('info', first, rest);
  }
  debug(first: unknown, ...rest: unknown[]): void {
    this.write('debug', first, rest);
  }
  trace(first: unknown, ...rest: unknown[]): void {
    this.write('trace', first, rest);
  }

  child(bindings: Bindings): Logger {
    return this.parent.child({ ...this.bindings, ...bindings });
  }

  private write(level: Level, first: unknown, rest: unknown[]): void {
    if (!this.parent.isLevelEnabled(level)) return;
    const line = this.parent[level] as (...args: unknown[]) => void;
    // The same shapes pino takes: (object, msg, ...), (error, msg, ...) or (msg, ...).
    if (first instanceof Error) line.call(this.parent, { ...this.bindings, err: first }, ...rest);
    else if (typeof first === 'object' && first !== null) line.call(this.parent, { ...this.bindings, ...first }, ...rest);
    else line.call(this.parent, this.bindings, first, ...rest);
  }
}

/** A logger that adds `bindings` to every line, without a pino child's per-instance cost. */
export function bindLog(parent: Logger, bindings: Record<string, unknown>): Log {
  return new BoundLog(parent, bindings);
}
