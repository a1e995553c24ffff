/**
 * The HTTP side of the hub: health probes, the case API and the development login. Every API
 * route needs a bearer token; every error is a JSON body with a stable code.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaseroomError, roles } from '@caseroom/shared';
import express, { type Express } from 'express';
import { z } from 'zod';
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { EventLog } from '../events/EventLog.js';
import type { WebhookRegistry } from '../events/WebhookRegistry.js';
import type { Tokens } from '../identity/Tokens.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Logger } from '../logger.js';
import type { CaseDocuments } from '../rooms/CaseDocuments.js';
import type { CaseStore } from '../store/CaseStore.js';
import {
  caseIdSchema,
  caseListingSchema,
  eventPageSchema,
  newCaseSchema,
  parse,
  reviewListingSchema,
  reviewSchema,
} from '../validation.js';
import { authenticate, identityOf } from './authenticate.js';
import { errorResponder } from './errors.js';
import { jsonBody } from './jsonBody.js';
import { webhookRoutes } from './webhookRoutes.js';

export interface HttpAppOptions {
  cases: CaseDirectory;
  documents: CaseDocuments;
  events: EventLog;
  approvals: ApprovalBook;
  owners: CaseOwners;
  webhooks: WebhookRegistry;
  store: CaseStore;
  tokens: Tokens;
  log: Logger;
  devLogin: boolean;
  /** false while the hub is draining; /readyz then answers 503 */
  isAccepting: () => boolean;
  /** Prometheus metrics for `/metrics`, and the bearer token scrapers must show (null: none needed) */
  metrics?: { contentType: string; scrape(): Promise<string>; token: string | null };
}

const devLoginSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(roles),
  team: z.string().trim().min(1).max(100),
  userId: z.string().trim().min(1).max(200).optional(),
});

export function createHttpApp(options: HttpAppOptions): Express {
  const { cases, documents, owners, approvals, events, store, tokens, log } = options;
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
      const body = parse(devLoginSchema, req.body);
      const userId = body.userId ?? `${body.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@${body.team}`;
      const token = await tokens.mint({ userId, name: body.name, role: body.role, team: body.team });
      res.json({ ok: true, token, identity: { userId, name: body.name, role: body.role, team: body.team } });
    });
  } else {
    app.post('/api/dev/login', (_req, _res, next) => next(new CaseroomError('dev_login_disabled')));
  }

  const api = express.Router();
  api.use(authenticate(tokens));

  // Who the bearer token says you are: lets a page that was handed a token show its person.
  api.get('/me', (req, res) => {
    res.json({ ok: true, identity: identityOf(req) });
  });

  api.post('/cases', async (req, res) => {
    const record = await cases.create(parse(newCaseSchema, req.body), identityOf(req));
    log.info({ caseId: record.id, userId: identityOf(req).userId }, 'case created');
    res.status(201).json({ ok: true, case: record });
  });

  api.get('/cases', async (req, res) => {
    const page = await cases.list(parse(caseListingSchema, req.query), identityOf(req));
    // Each case's current owner, so a case list needs no request per case.
    const ownerships = await Promise.all(page.items.map((record) => owners.current(record.id)));
    const ownersById = Object.fromEntries(page.items.map((record, i) => [record.id, ownerships[i]!.owner]));
    res.json({ ok: true, cases: page.items, owners: ownersById, nextCursor: page.nextCursor });
  });

  api.get('/cases/:id', async (req, res) => {
    const record = await cases.open(parse(caseIdSchema, req.params.id), identityOf(req));
    const [ownership, history, document] = await Promise.all([
      owners.current(record.id),
      owners.history(record.id),
      documents.report(record.id),
    ]);
    res.json({ ok: true, case: record, ownership, history, document });
  });

  // Supervisors: removes what breaks the case document's schema, as an edit everyone in the room sees.
  api.post('/cases/:id/repair', async (req, res) => {
    const who = identityOf(req);
    const record = await cases.open(parse(caseIdSchema, req.params.id), who);
    const removed = await documents.repair(record.id, who);
    log.info({ caseId: record.id, userId: who.userId, removed: removed.length }, 'case document repaired');
    res.json({ ok: true, removed, document: await documents.report(record.id) });
  });

  api.get('/cases/:id/approvals', async (req, res) => {
    const record = await cases.open(parse(caseIdSchema, req.params.id), identityOf(req));
    res.json({ ok: true, approvals: await approvals.forCase(record.id) });
  });

  // The case's event log, oldest first; pass the last `seq` you saw as `after` for the next page.
  api.get('/cases/:id/events', async (req, res) => {
    const record = await cases.open(parse(caseIdSchema, req.params.id), identityOf(req));
    const { after, limit } = parse(eventPageSchema, req.query);
    const page = await events.forCase(record.id, after, limit + 1);
    const items = page.slice(0, limit);
    res.json({ ok: true, events: items, nextAfter: page.length > limit ? (items.at(-1)?.seq ?? null) : null });
  });

  api.get('/approvals/:id', async (req, res) => {
    res.json({ ok: true, approval: await approvals.get(String(req.params.id), identityOf(req)) });
  });

  // The review queue: every decided request, for supervisors to uphold or correct later.
  api.get('/reviews', async (req, res) => {
    const page = await approvals.reviews(parse(reviewListingSchema, req.query), identityOf(req));
    res.json({ ok: true, reviews: page.items, nextCursor: page.nextCursor });
  });

  api.post('/reviews/:id', async (req, res) => {
    const { verdict, note } = parse(reviewSchema, req.body);
    const approval = await approvals.review(String(req.params.id), identityOf(req), verdict, note);
    res.json({ ok: true, approval });
  });

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

/** Whether an Authorization header carries exactly `Bearer <expected>` (compared in constant time). */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${expected}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
