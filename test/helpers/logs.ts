/** A hub logger that keeps every line in memory, for tests that check what the hub logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@caseroom/server';

export interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's number for `error`: anything at or above it pages an operator. */
export const errorLevel = 50;

export interface CapturedLogs {
  /** Logs everything (trace and up) into memory. */
  log: Logger;
  /** How many lines have been written so far, to pass to `since`. */
  mark(): number;
  /** The lines written after `mark` (all of them by default), parsed. */
  since(mark?: number): LogEntry[];
}

export function capturedLogs(): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    log: createLogger('trace', sink),
    mark: () => lines.length,
    since: (mark = 0) => lines.slice(mark).map((line) => JSON.parse(line) as LogEntry),
  };
}
