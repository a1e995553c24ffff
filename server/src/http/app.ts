/**
 * The HTTP side of the hub: health probes, the case API and the development login. Every API
 * route needs a bearer token; every error is a JSON body with a stable code.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertMayRead,
  caseIdSchema,
  CaseroomError,
  channelSchema,
  type Identity,
  mayRead,
  maySeeEventType,
  parsePayload,
  roles,
  teamFeedId,
  userIdSchema,
} from '@caseroom/shared';
import express, { type Express } from 'express';
import { z } from 'zod';
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseConversations } from '../conversation/CaseConversations.js';
import { caseEvent, type EventLog } from '../events/EventLog.js';
import type { WebhookRegistry } from '../events/WebhookRegistry.js';
import type { Access } from '../identity/Access.js';
import type { Tokens } from '../identity/Tokens.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Logger } from '../logger.js';
import type { CaseDocuments } from '../rooms/CaseDocuments.js';
import type { CaseStore } from '../store/CaseStore.js';
import { authenticate, bearerOf, identityOf } from './authenticate.js';
import { conversationRoutes } from './conversationRoutes.js';
import { errorResponder } from './errors.js';
import { jsonBody } from './jsonBody.js';
import { peopleRoutes } from './peopleRoutes.js';
import { caseListingSchema, eventPageSchema, newCaseSchema, reviewListingSchema, reviewSchema } from './requestSchemas.js';
import { webhookRoutes } from './webhookRoutes.js';

export interface HttpAppOptions {
  cases: CaseDirectory;
  documents: CaseDocuments;
  events: EventLog;
  approvals: ApprovalBook;
  conversations: CaseConversations;
  owners: CaseOwners;
  webhooks: WebhookRegistry;
  store: Pick<CaseStore, 'kind' | 'ping' | 'people'>;
  /** mints tokens for the development login */
  tokens: Tokens;
  /** verifies every bearer token, revocations included */
  access: Access;
  log: Logger;
  devLogin: boolean;
  /** a bearer token for the host application on admin routes; null: supervisors only */
  adminToken: string | null;
  /** false while the hub is draining; /readyz then answers 503 */
  isAccepting: () => boolean;
  /** Prometheus metrics for `/metrics`, and the bearer token scrapers must show (null: none needed) */
  metrics?: { contentType: string; scrape(): Promise<string>; token: string | null };
}

const devLoginSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: z.enum(roles),
    team: z.string().trim().min(1).max(100),
    userId: z.string().trim().min(1).max(200).optional(),
    department: z.string().trim().min(1).max(100).optional(),
    /** a channel connector's channels (bots only) */
    channels: z.array(channelSchema).min(1).optional(),
  })
  .refine((body) => body.channels === undefined || body.role === 'bot', { message: 'only bots carry channels', path: ['channels'] });

export function createHttpApp(options: HttpAppOptions): Express {
  const { cases, documents, owners, approvals, events, store, tokens, access, log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use(jsonBody('64kb'));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  // Open like /healthz unless CASEROOM_METRICS_TOKEN is set; either way keep it off the public side.
  app.get('/metrics', async (req, res) => {
    if (!options.metrics) {
      res.status(404).json({ ok: false, error: new CaseroomError('not_found').toWire() });
      return;
    }
    if (options.metrics.token !== null && !bearerMatches(req.headers.authorization, options.metrics.token)) {
      res.status(401).json({ ok: false, error: new CaseroomError('unauthenticated', 'Scraping needs the metrics token').toWire() });
      return;
    }
    try {
      const text = await options.metrics.scrape();
      res.type(options.metrics.contentType).send(text);
    } catch (err) {
      log.error({ err }, 'collecting metrics failed');
      res.status(500).json({ ok: false, error: new CaseroomError('internal_error').toWire() });
    }
  });

  app.get('/readyz', async (_req, res) => {
    if (!options.isAccepting()) {
      res.status(503).json({ ok: false, error: new CaseroomError('shutting_down').toWire() });
      return;
    }
    try {
      await store.ping();
      res.json({ ok: true, store: store.kind });
    } catch (err) {
      log.warn({ err }, 'readiness check: store unreachable');
      res.status(503).json({ ok: false, error: new CaseroomError('store_unavailable').toWire() });
    }
  });

  if (options.devLogin) {
    // Lets a person try the hub without an identity provider. Never enabled in production.
    app.post('/api/dev/login', async (req, res) => {
      const body = parsePayload(devLoginSchema, req.body);
      const { userId: chosen, ...claims } = body;
      const identity: Identity = { userId: chosen ?? `${body.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@${body.team}`, ...claims };
      // Signed in: the team's directory lists them from now on, before their first connection
      // (which remembers them again, so a store that failed here only delays it).
      await store.people.remember(identity, new Date().toISOString()).catch((err: unknown) => {
        log.warn({ err, userId: identity.userId }, 'could not remember person');
      });
      res.json({ ok: true, token: await tokens.mint(identity), identity });
    });
  } else {
    app.post('/api/dev/login', (_req, _res, next) => next(new CaseroomError('dev_login_disabled')));
  }

  // Signs a person out everywhere: their open connections close on every node, and every token of
  // theirs issued up to now is refused, after restarts too. Supervisors, or the host application.
  app.post('/api/users/:id/revoke', async (req, res) => {
    const userId = parsePayload(userIdSchema, req.params.id);
    const admin = options.adminToken !== null && bearerMatches(req.headers.authorization, options.adminToken);
    const actor = admin ? hostApplication : (await access.verify(bearerOf(req))).identity;
    if (actor.role !== 'supervisor') throw new CaseroomError('supervisor_only', 'Only a supervisor can revoke a person');
    // Recorded in the team feed of a person the hub knows, in the same write as the revocation.
    const person = await store.people.get(userId);
    const feed = person && { id: teamFeedId(person.team), team: person.team };
    const at = await access.revocations.revoke(userId, (at) =>
      feed ? [caseEvent(feed, 'person.revoked', actor, { userId, revokedAt: new Date(at).toISOString() })] : [],
    );
    log.info({ userId, by: actor.userId }, 'person revoked');
    res.json({ ok: true, userId, revokedAt: new Date(at).toISOString() });
  });

  const api = express.Router();
  api.use(authenticate(access));

  // Who the bearer token says you are: lets a page that was handed a token show its person.
  api.get('/me', (req, res) => {
    res.json({ ok: true, identity: identityOf(req) });
  });

  api.post('/cases', async (req, res) => {
    const record = await cases.create(parsePayload(newCaseSchema, req.body), identityOf(req));
    log.info({ caseId: record.id, userId: identityOf(req).userId }, 'case created');
    res.status(201).json({ ok: true, case: record });
  });

  api.get('/cases', async (req, res) => {
    const who = identityOf(req);
    assertMayRead(who, 'case');
    const page = await cases.list(parsePayload(caseListingSchema, req.query), who);
    if (!mayRead(who, 'ownership')) return void res.json({ ok: true, cases: page.items, nextCursor: page.nextCursor });
    // Each case's current owner, so a case list needs no request per case.
    const ownerships = await Promise.all(page.items.map((record) => owners.current(record.id)));
    const ownersById = Object.fromEntries(page.items.map((record, i) => [record.id, ownerships[i]!.owner]));
    res.json({ ok: true, cases: page.items, owners: ownersById, nextCursor: page.nextCursor });
  });

  api.get('/cases/:id', async (req, res) => {
    const who = identityOf(req);
    const record = await cases.open(parsePayload(caseIdSchema, req.params.id), who);
    // Each part only for a token whose scope covers it (a narrowed bot gets fewer, or none).
    const [ownership, history, document] = await Promise.all([
      mayRead(who, 'ownership') ? owners.current(record.id) : undefined,
      mayRead(who, 'ownership') ? owners.history(record.id) : undefined,
      mayRead(who, 'document') ? documents.report(record.id) : undefined,
    ]);
    const parts = { case: mayRead(who, 'case') ? record : undefined, ownership, history, document };
    if (Object.values(parts).every((part) => part === undefined)) assertMayRead(who, 'case');
    res.json({ ok: true, ...parts });
  });

  // Supervisors: removes what breaks the case document's schema, as an edit everyone in the room sees.
  api.post('/cases/:id/repair', async (req, res) => {
    const who = identityOf(req);
    const record = await cases.open(parsePayload(caseIdSchema, req.params.id), who);
    const removed = await documents.repair(record.id, who);
    log.info({ caseId: record.id, userId: who.userId, removed: removed.length }, 'case document repaired');
    res.json({ ok: true, removed, document: await documents.report(record.id) });
  });

  api.get('/cases/:id/approvals', async (req, res) => {
    const who = identityOf(req);
    const record = await cases.open(parsePayload(caseIdSchema, req.params.id), who);
    assertMayRead(who, 'approvals');
    res.json({ ok: true, approvals: await approvals.forCase(record.id) });
  });

  // The case's event log, oldest first; pass the last `seq` you saw as `after` for the next page.
  api.get('/cases/:id/events', async (req, res) => {
    const who = identityOf(req);
    const record = await cases.open(parsePayload(caseIdSchema, req.params.id), who);
    const { after, limit } = parsePayload(eventPageSchema, req.query);
    const page = await events.forCase(record.id, after, limit + 1);
    const read = page.slice(0, limit);
    // Paged over the whole log, shown within the token's scope: `nextAfter` skips what was hidden.
    res.json({
      ok: true,
      events: read.filter((event) => maySeeEventType(who, event.type)),
      nextAfter: page.length > limit ? (read.at(-1)?.seq ?? null) : null,
    });
  });

  api.get('/approvals/:id', async (req, res) => {
    const who = identityOf(req);
    assertMayRead(who, 'approvals');
    res.json({ ok: true, approval: await approvals.get(String(req.params.id), who) });
  });

  // The review queue: every decided request, for supervisors to uphold or correct later.
  api.get('/reviews', async (req, res) => {
    const who = identityOf(req);
    assertMayRead(who, 'approvals');
    const page = await approvals.reviews(parsePayload(reviewListingSchema, req.query), who);
    res.json({ ok: true, reviews: page.items, nextCursor: page.nextCursor });
  });

  api.post('/reviews/:id', async (req, res) => {
    const { verdict, note } = parsePayload(reviewSchema, req.body);
    const approval = await approvals.review(String(req.params.id), identityOf(req), verdict, note);
    res.json({ ok: true, approval });
  });

  api.use(peopleRoutes(store.people));
  api.use(conversationRoutes(options.conversations, cases));
  api.use(webhookRoutes(options.webhooks));

  app.use('/api', api);

  // The agent console, when it has been built (`npm run build`); the hub never imports its code.
  const consoleDir = fileURLToPath(new URL('../../../console/dist', import.meta.url));
  if (existsSync(join(consoleDir, 'index.html'))) {
    app.use(express.static(consoleDir));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('caseroom hub is running. See the README for the HTTP API and the SDK.\n');
    });
  }

  app.use((_req, _res, next) => next(new CaseroomError('not_found', 'No such route')));
  app.use(errorResponder(log));
  return app;
}

/** Who the admin token speaks for, in the event log. */
const hostApplication = { userId: 'host-application', name: 'Host application', role: 'supervisor' } as const;

/** Whether an Authorization header carries exactly `Bearer <expected>` (compared in constant time). */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${expected}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
