/**
 * Random HTTP requests against a running hub, with a valid token: paths built from the API's own
 * routes and words, random text and random percent-escapes (malformed, overlong, encoded
 * slashes), any method, random content-type and content-encoding headers, and bodies from valid
 * JSON to garbage, deep nesting and oversized, compressed truthfully or not. No request gets a
 * 5xx, every answer that is not a success is a well-formed error body with a catalogue code, and
 * nothing is logged at error level.
 *
 * Runs a few hundred requests under `npm test`; `npm run fuzz` (FUZZ_RUNS) runs many more.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackProblem, fuzzRuns, fuzzSeed, fuzzTimeout } from '../helpers/fuzz.js';
import { rawRequest } from '../helpers/http.js';
import { mintToken, startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { ann, sue } from '../helpers/people.js';
import { capturedLogs, errorLevel, type CapturedLogs } from '../helpers/logs.js';

const runs = fuzzRuns(300);

let hub: TestHub;
let logs: CapturedLogs;
let caseId: string;
const tokens: Record<'supervisor' | 'agent', string> = { supervisor: '', agent: '' };

beforeAll(async () => {
  logs = capturedLogs();
  hub = await startTestHub({}, tempDataDir(), { log: logs.log });
  caseId = await hub.createCase();
  tokens.supervisor = await mintToken(sue);
  tokens.agent = await mintToken(ann);
});
afterAll(() => hub.stop());

/** Every route of the hub, `:id` for its parameter. */
const routes = [
  '/',
  '/healthz',
  '/readyz',
  '/metrics',
  '/api/dev/login',
  '/api/me',
  '/api/cases',
  '/api/cases/:id',
  '/api/cases/:id/repair',
  '/api/cases/:id/approvals',
  '/api/cases/:id/events',
  '/api/approvals/:id',
  '/api/reviews',
  '/api/reviews/:id',
  '/api/webhooks',
  '/api/webhooks/:id',
  '/api/webhooks/:id/deliveries',
];
const words = ['api', 'cases', 'approvals', 'events', 'repair', 'reviews', 'webhooks', 'deliveries', 'me', 'dev', 'login', 'healthz'];

const escapeChar = fc.constantFrom(...'0123456789abcdefABCDEFGgZz%'.split(''));
const escape = fc.oneof(
  fc.tuple(escapeChar, escapeChar).map(([a, b]) => `%${a}${b}`),
  fc.constantFrom('%', '%C0%AF', '%ED%A0%80', '%E0%A4%A', '%FF', '%00', '%2F', '%2e%2e', '%3F', '%23'),
);
/** One path segment, as sent: the API's words, the test's case (CASE), encoded text, escapes. */
const segment = fc.oneof(
  fc.constantFrom(...words, 'CASE'),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc
    .array(fc.oneof(escape, fc.string({ maxLength: 4 }).map(encodeURIComponent)), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('')),
);
const queryValue = fc.oneof(fc.constantFrom('1', '0', '-1', '200', '201', '1e3', 'true', 'open', 'CASE'), segment);
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'after', 'cursor', 'team', 'status', 'reviewed'), segment), queryValue), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));
const path = fc
  .tuple(
    fc.oneof(
      fc.tuple(fc.constantFrom(...routes), segment).map(([route, id]) => route.replace(':id', id)),
      fc.array(segment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`),
    ),
    query,
  )
  .map(([p, q]) => p + q);

const contentType = fc.option(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
      '*/*',
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  ),
  { nil: undefined },
);
const contentEncoding = fc.option(
  fc.oneof(
    fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'zstd', 'gzip, br', 'x-gzip', 'GZIP'),
    fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
  ),
  { nil: undefined, freq: 2 },
);

/** A body that passes some of a route's checks, so that the requests reach past the first one. */
const plausibleBody = fc
  .record(
    {
      subject: fc.string({ maxLength: 30 }),
      id: fc.oneof(fc.constant('CASE'), segment),
      team: fc.constantFrom('billing', 'shipping', ''),
      customer: fc.record({ name: fc.string({ maxLength: 10 }), channel: fc.constantFrom('email', 'chat') }),
      name: fc.string({ maxLength: 10 }),
      role: fc.constantFrom('agent', 'supervisor', 'bot', 'admin'),
      verdict: fc.constantFrom('upheld', 'overturned', 'maybe'),
      note: fc.string({ maxLength: 20 }),
      // Never a URL that works: a registered webhook would send deliveries out of the test.
      url: fc.constantFrom('ftp://example.invalid/', 'not a url', 'http://'),
      types: fc.array(fc.constantFrom('case.created', 'nope'), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  )
  .map((fields) => JSON.stringify(fields));
const deepBody = fc
  .record({ depth: fc.integer({ min: 1, max: 20_000 }), arrays: fc.boolean(), closed: fc.boolean() })
  .map(({ depth, arrays, closed }) => {
    const open = (arrays ? '[' : '{"a":').repeat(depth);
    if (!closed) return open;
    return arrays ? `${open}${']'.repeat(depth)}` : `${open}null${'}'.repeat(depth)}`;
  });
const body = fc.option(
  fc.oneof(
    fc.json({ maxDepth: 4 }),
    plausibleBody,
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    deepBody,
    fc.integer({ min: 60_000, max: 80_000 }).map((size) => JSON.stringify({ subject: 'x'.repeat(size) })),
  ),
  { nil: undefined },
);

const compressors = new Map<string, (bytes: Buffer) => Buffer>([
  ['gzip', gzipSync],
  ['deflate', deflateSync],
  ['br', brotliCompressSync],
]);

const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
  path,
  role: fc.constantFrom('supervisor' as const, 'agent' as const),
  contentType,
  contentEncoding,
  body,
  /** whether a body whose content-encoding names a compression is compressed that way */
  honest: fc.boolean(),
});

describe('HTTP requests with random paths, methods, headers and bodies', () => {
  it(
    'never get a 5xx; every answer but a success is a well-formed error with a catalogue code; nothing is logged at error level',
    async () => {
      const codes = new Set<string>();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const mark = logs.mark();
          const headers: Record<string, string> = { authorization: `Bearer ${tokens[r.role]}` };
          if (r.contentType !== undefined) headers['content-type'] = r.contentType;
          if (r.contentEncoding !== undefined) headers['content-encoding'] = r.contentEncoding;
          let payload: Buffer | undefined = typeof r.body === 'string' ? Buffer.from(r.body.replaceAll('CASE', caseId)) : r.body;
          const compress = r.contentEncoding === undefined ? undefined : compressors.get(r.contentEncoding);
          if (payload && compress && r.honest) payload = compress(payload);
          const res = await rawRequest(hub.url, {
            method: r.method,
            path: r.path.replaceAll('CASE', caseId),
            headers,
            ...(payload ? { body: payload } : {}),
          });
          const what = `${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 200)}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 300) {
            expect(res.status, what).toBeGreaterThanOrEqual(400);
            // A HEAD answer has no body to check.
            if (r.method !== 'HEAD') expect(ackProblem(res.body), what).toBeNull();
          }
          expect(
            logs.since(mark).filter((entry) => entry.level >= errorLevel),
            what,
          ).toEqual([]);
          if (res.status < 300) codes.add('ok');
          else if (r.method !== 'HEAD') codes.add(res.body.error.code);
        }),
        { numRuns: runs, ...fuzzSeed },
      );
      // The requests reached the routes and the body reader, not only the router's 404.
      for (const code of ['ok', 'not_found', 'invalid_payload', 'unsupported_media_type', 'payload_too_large'])
        expect(codes).toContain(code);
      expect((await rawRequest(hub.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
    },
    fuzzTimeout(runs),
  );
});
