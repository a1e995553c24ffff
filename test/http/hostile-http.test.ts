/**
 * Hostile input against every HTTP route of the hub: path parameters whose percent-escapes do not
 * decode, bodies that lie about their content-encoding, other media types and charsets, deeply
 * nested and oversized JSON, headers over Node's limit, methods and routes that do not exist.
 * Each is the client's mistake: a 4xx with a catalogue code, nothing logged at error level (anyone
 * can send these, so they must never page an operator), and the hub goes on serving.
 */
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { CaseroomError, type ErrorCode } from '@caseroom/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ackProblem } from '../helpers/fuzz.js';
import { rawRequest, type RawResponse } from '../helpers/http.js';
import { mintToken, startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { sue } from '../helpers/people.js';
import { capturedLogs, errorLevel, type CapturedLogs } from '../helpers/logs.js';

let hub: TestHub;
let logs: CapturedLogs;
let caseId: string;
let token: string;

beforeAll(async () => {
  logs = capturedLogs();
  hub = await startTestHub({}, tempDataDir(), { log: logs.log });
  caseId = await hub.createCase();
  token = await mintToken(sue);
});
afterAll(() => hub.stop());

interface Route {
  method: string;
  path: string;
  /** the route parses its body (the others ignore one) */
  readsBody?: true;
}

/** Every route of server/src/http/app.ts, conversationRoutes.ts and webhookRoutes.ts. */
const routes: Route[] = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'POST', path: '/api/dev/login', readsBody: true },
  { method: 'GET', path: '/api/me' },
  { method: 'GET', path: '/api/cases' },
  { method: 'POST', path: '/api/cases', readsBody: true },
  { method: 'GET', path: '/api/cases/:id' },
  { method: 'POST', path: '/api/cases/:id/repair' },
  { method: 'GET', path: '/api/cases/:id/approvals' },
  { method: 'GET', path: '/api/cases/:id/events' },
  { method: 'GET', path: '/api/cases/:id/messages' },
  { method: 'POST', path: '/api/cases/:id/messages', readsBody: true },
  { method: 'POST', path: '/api/cases/:id/messages/1/delivery', readsBody: true },
  { method: 'POST', path: '/api/cases/:id/messages/1/corrections', readsBody: true },
  { method: 'POST', path: '/api/cases/:id/messages/1/redactions', readsBody: true },
  { method: 'GET', path: '/api/cases/:id/floor' },
  { method: 'PUT', path: '/api/cases/:id/floor', readsBody: true },
  { method: 'DELETE', path: '/api/cases/:id/floor' },
  { method: 'GET', path: '/api/approvals/:id' },
  { method: 'GET', path: '/api/reviews' },
  { method: 'POST', path: '/api/reviews/:id', readsBody: true },
  { method: 'GET', path: '/api/webhooks' },
  { method: 'POST', path: '/api/webhooks', readsBody: true },
  { method: 'DELETE', path: '/api/webhooks/:id' },
  { method: 'GET', path: '/api/webhooks/:id/deliveries' },
  { method: 'POST', path: '/api/users/:id/revoke' },
];
const withParameter = routes.filter((route) => route.path.includes(':id'));

/** The route's path with `id` in its parameter (the test's own case, or an unknown id, by default). */
function pathOf(route: Route, id?: string): string {
  return route.path.replace(':id', id ?? (route.path.startsWith('/api/cases/') ? caseId : 'no-such-id'));
}

function send(route: Route, options: { id?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  return rawRequest(hub.url, {
    method: options.method ?? route.method,
    path: pathOf(route, options.id),
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

/** A refusal as the API promises one: a 4xx and `{ ok: false, error }` with a catalogue code. */
function expectRefusal(res: RawResponse, what: string, expected?: { status: number; code: ErrorCode }): void {
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
  expect(ackProblem(res.body), what).toBeNull();
  if (expected) expect({ status: res.status, code: res.body.error.code }, what).toEqual(expected);
}

/** Nothing at error level since `mark`, and the hub still answers its health probe. */
async function expectStillServing(mark: number): Promise<void> {
  expect(logs.since(mark).filter((entry) => entry.level >= errorLevel)).toEqual([]);
  expect((await rawRequest(hub.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
}

describe('the route table', () => {
  it('names routes the hub has: each answers its plain request without not_found or a 5xx', async () => {
    for (const route of routes) {
      const res = await send(route, route.method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' });
      const what = `${route.method} ${route.path}`;
      expect(res.status, what).toBeLessThan(500);
      expect(res.body?.error?.code, what).not.toBe('not_found');
    }
  });
});

describe('path parameters whose percent-escapes do not decode', () => {
  it.each([
    ['%ZZ', 'not hex'],
    ['%', 'a lone percent sign'],
    ['%E0%A4%A', 'a truncated UTF-8 sequence'],
    ['%C0%AF', 'an overlong UTF-8 encoding'],
    ['%ED%A0%80', 'a UTF-16 surrogate'],
    ['%FF', 'a byte that starts no UTF-8 character'],
  ])('refuse %s (%s) on every route with invalid_payload, logged at debug', async (id) => {
    const mark = logs.mark();
    for (const route of withParameter)
      expectRefusal(await send(route, { id }), `${route.method} ${route.path}`, { status: 400, code: 'invalid_payload' });
    const refused = logs.since(mark).filter((entry) => entry.msg === 'request refused');
    expect(refused).toHaveLength(withParameter.length);
    expect(refused.every((entry) => entry.code === 'invalid_payload' && entry.level < errorLevel)).toBe(true);
    await expectStillServing(mark);
  });

  it('are refused in unknown routes with not_found, and are no fault in a query string', async () => {
    const mark = logs.mark();
    for (const path of ['/%ZZ', '/api/%ZZ', `/api/cases/%ZZ/nope`, '/healthz/%E0%A4%A'])
      expectRefusal(await rawRequest(hub.url, { method: 'GET', path, headers: { authorization: `Bearer ${token}` } }), path, {
        status: 404,
        code: 'not_found',
      });
    // The listings read `limit` and refuse a malformed one; the other routes ignore the query.
    const listings = new Set(['/api/cases', '/api/cases/:id/events', '/api/reviews', '/api/webhooks/:id/deliveries']);
    for (const route of routes) {
      const what = `${route.method} ${route.path}`;
      const res = await rawRequest(hub.url, {
        method: route.method,
        path: `${pathOf(route)}?limit=%ZZ&%E0%A4%A=%&cursor=%C0%AF`,
        headers: { authorization: `Bearer ${token}` },
      });
      if (route.method === 'GET' && listings.has(route.path)) expectRefusal(res, what, { status: 400, code: 'invalid_payload' });
      else if (res.status >= 300) expectRefusal(res, what);
    }
    await expectStillServing(mark);
  });
});

const json = '{"subject":"Charged twice"}';

/** Bodies no route can read: each gets the same refusal on every route, whatever the route does. */
const unreadableBodies: Array<{ name: string; headers: Record<string, string>; body: string | Buffer; status: number; code: ErrorCode }> = [
  {
    name: 'JSON that claims to be gzip',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: json,
    status: 400,
    code: 'invalid_payload',
  },
  {
    name: 'JSON that claims to be deflate',
    headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' },
    body: json,
    status: 400,
    code: 'invalid_payload',
  },
  {
    name: 'JSON that claims to be brotli',
    headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
    body: json,
    status: 400,
    code: 'invalid_payload',
  },
  {
    name: 'gzip cut short',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(json).subarray(0, 12),
    status: 400,
    code: 'invalid_payload',
  },
  {
    name: 'deflate sent as gzip',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: deflateSync(json),
    status: 400,
    code: 'invalid_payload',
  },
  {
    name: 'an unsupported content-encoding',
    headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
    body: json,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'two content-encodings',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, br' },
    body: brotliCompressSync(gzipSync(json)),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a charset other than UTF-8',
    headers: { 'content-type': 'application/json; charset=latin1' },
    body: json,
    status: 415,
    code: 'unsupported_media_type',
  },
  { name: 'text/plain', headers: { 'content-type': 'text/plain' }, body: json, status: 415, code: 'unsupported_media_type' },
  {
    name: 'a form',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'subject=Charged+twice',
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'multipart',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    body: '--x\r\ncontent-disposition: form-data; name="subject"\r\n\r\nCharged twice\r\n--x--\r\n',
    status: 415,
    code: 'unsupported_media_type',
  },
  { name: 'no content-type', headers: {}, body: json, status: 415, code: 'unsupported_media_type' },
  {
    name: 'a malformed content-type',
    headers: { 'content-type': 'application/json garbage' },
    body: json,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'JSON opened 10,000 levels deep and never closed',
    headers: { 'content-type': 'application/json' },
    body: '['.repeat(10_000),
    status: 400,
    code: 'invalid_payload',
  },
  {
    name: 'JSON over the 64 kB limit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'x'.repeat(70_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'gzip that inflates past the limit',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify({ subject: ' '.repeat(10_000_000) })),
    status: 413,
    code: 'payload_too_large',
  },
];

describe('bodies no route can read', () => {
  it.each(unreadableBodies)('refuse $name on every route with $status $code', async ({ name, headers, body, status, code }) => {
    const mark = logs.mark();
    for (const route of routes)
      expectRefusal(await send(route, { headers, body }), `${name} to ${route.method} ${route.path}`, { status, code });
    await expectStillServing(mark);
  });

  it('take gzip, deflate and br bodies that are what they claim', async () => {
    const route = routes.find((r) => r.method === 'POST' && r.path === '/api/cases')!;
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
    ] as const) {
      const res = await send(route, { headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect(res.status, encoding).toBe(201);
      expect(res.body.case.subject).toBe('Charged twice');
    }
  });

  it('take a bare POST with content-length: 0 and no content-type', async () => {
    const repair = routes.find((r) => r.path === '/api/cases/:id/repair')!;
    const res = await send(repair, { headers: { 'content-length': '0' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, removed: [] });
  });
});

describe('JSON nested 10,000 levels deep', () => {
  it.each([
    ['arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['objects', `${'{"a":'.repeat(10_000)}null${'}'.repeat(10_000)}`],
  ])('of %s is refused where a body is read, and changes no other answer', async (_what, body) => {
    const mark = logs.mark();
    const headers = { 'content-type': 'application/json' };
    for (const route of routes) {
      const what = `${route.method} ${route.path}`;
      const res = await send(route, { headers, body });
      if (route.readsBody) expectRefusal(res, what);
      else expect(res.status, what).toBe((await send(route, { headers, body: '{}' })).status);
    }
    await expectStillServing(mark);
  });
});

describe('methods and routes the hub does not have', () => {
  it('answers every other method on every route with not_found', async () => {
    const mark = logs.mark();
    const paths = [...new Set(routes.map((route) => route.path))];
    let refused = 0;
    for (const path of paths) {
      const has = new Set(routes.filter((route) => route.path === path).map((route) => route.method));
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !has.has(m))) {
        expectRefusal(await send({ method, path }), `${method} ${path}`, { status: 404, code: 'not_found' });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(60);
    await expectStillServing(mark);
  });

  it('answers unknown routes with not_found, with or without a token', async () => {
    const mark = logs.mark();
    for (const path of ['/nope', '/api/nope', '/api/cases/x/nope', '/api/webhooks/x/deliveries/y', '/healthz/deeper'])
      expectRefusal(await rawRequest(hub.url, { method: 'GET', path, headers: { authorization: `Bearer ${token}` } }), path, {
        status: 404,
        code: 'not_found',
      });
    expectRefusal(await rawRequest(hub.url, { method: 'GET', path: '/nope' }), 'without a token', { status: 404, code: 'not_found' });
    await expectStillServing(mark);
  });
});

describe('headers over Node’s limit', () => {
  it('are answered 431 headers_too_large before express and logged nowhere at error level', async () => {
    const mark = logs.mark();
    for (const route of routes) {
      const res = await send(route, { headers: { 'x-padding': 'p'.repeat(20 * 1024) } });
      expectRefusal(res, `${route.method} ${route.path}`, { status: 431, code: 'headers_too_large' });
    }
    await expectStillServing(mark);
  });
});

describe('bytes that are not HTTP', () => {
  it('are answered 400 invalid_payload with a JSON body, logged nowhere at error level', async () => {
    const mark = logs.mark();
    const { port } = new URL(hub.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    await expectStillServing(mark);
  });
});

describe('a fault of the hub’s own', () => {
  it.each([
    ['a plain error', new Error('disk on fire')],
    ['an error that carries a 5xx status', Object.assign(new Error('upstream gone'), { status: 503 })],
  ])('(%s) is still a 500 internal_error, logged at error level', async (_what, fault) => {
    const mark = logs.mark();
    const getCase = vi.spyOn(hub.store.cases, 'get').mockRejectedValueOnce(fault);
    try {
      const res = await send(routes.find((r) => r.path === '/api/cases/:id' && r.method === 'GET')!);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ ok: false, error: { code: 'internal_error', message: 'Something went wrong on the server' } });
    } finally {
      getCase.mockRestore();
    }
    const failed = logs.since(mark).filter((entry) => entry.level >= errorLevel);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ msg: 'request failed', method: 'GET', err: { message: fault.message } });
  });

  it('is a 503 with its own code and a warning when the store is out of reach', async () => {
    const mark = logs.mark();
    const getCase = vi.spyOn(hub.store.cases, 'get').mockRejectedValueOnce(new CaseroomError('store_unavailable'));
    try {
      const res = await send(routes.find((r) => r.path === '/api/cases/:id' && r.method === 'GET')!);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });
    } finally {
      getCase.mockRestore();
    }
    const logged = logs.since(mark);
    expect(logged.filter((entry) => entry.level >= errorLevel)).toEqual([]);
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'request not served', code: 'store_unavailable', level: 40 }));
  });
});
