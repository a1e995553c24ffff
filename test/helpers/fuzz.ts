/**
 * Shared pieces of the fuzz tests: how many runs (FUZZ_RUNS, small under `npm test`), what a
 * well-formed acknowledgement looks like, and byte-level mutations of valid y-protocols messages.
 */
import { errorCatalog } from '@caseroom/shared';
import fc from 'fast-check';

/** Under `npm run fuzz` the properties run this many times more than under `npm test`. */
const fuzzScriptFactor = 20;

/**
 * Runs per property: `FUZZ_RUNS` when set; otherwise `fallback` under `npm test` and twenty
 * times that under `npm run fuzz`.
 */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS);
  if (Number.isInteger(runs) && runs > 0) return runs;
  return process.env.npm_lifecycle_event === 'fuzz' ? fallback * fuzzScriptFactor : fallback;
}

/** A test timeout that grows with the number of runs (each run is a few round trips at most). */
export const fuzzTimeout = (runs: number): number => Math.max(60_000, runs * 100);

/**
 * A reproducible run when FUZZ_SEED is set; fast-check prints the seed and path of any failure,
 * and FUZZ_PATH with the seed replays just the failing case (and its shrinking).
 */
export const fuzzSeed = process.env.FUZZ_SEED
  ? { seed: Number(process.env.FUZZ_SEED), ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) }
  : {};

/** Why `reply` is not a well-formed acknowledgement, or null when it is one. */
export function ackProblem(reply: unknown): string | null {
  if (typeof reply !== 'object' || reply === null) return `not an object: ${String(reply)}`;
  const ack = reply as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (ack.ok === true) return 'error' in ack ? 'ok: true with an error' : null;
  if (ack.ok !== false) return `ok is ${String(ack.ok)}`;
  if (typeof ack.error?.code !== 'string' || !Object.hasOwn(errorCatalog, ack.error.code)) return `unknown code ${String(ack.error?.code)}`;
  if (typeof ack.error.message !== 'string' || ack.error.message.length === 0) return 'no message';
  if (/\n\s+at /.test(ack.error.message)) return 'a stack trace in the message';
  return null;
}

/** One edit to a byte string: overwrite, insert, delete, or cut the tail. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  const out = [...bytes];
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'set' && out.length > 0) out[at] = m.byte;
    else if (m.kind === 'insert') out.splice(at, 0, m.byte);
    else if (m.kind === 'delete') out.splice(at, 1);
    else if (m.kind === 'truncate') out.length = at;
  }
  return new Uint8Array(out);
}

/** A valid message from `valid`, changed by one to four byte mutations. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([bytes, mutations]) => mutate(bytes, mutations));
}
