/**
 * The conversation over HTTP, for connectors and apps that do not keep a socket: read the thread,
 * post what the customer wrote (connectors) or reply (the owner, the floor's holder), report on
 * deliveries, amend, and give or take back the floor. Mounted on the authenticated `/api` router;
 * the same rules and codes as the socket requests.
 */
import {
  assertMayRead,
  caseIdSchema,
  channelSchema,
  correctionRequestSchema,
  maxHistoryPage,
  messageSeqSchema,
  parsePayload,
  postRequestSchema,
  redactionRequestSchema,
  sendRequestSchema,
  typedText,
  userIdSchema,
} from '@caseroom/shared';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseConversations } from '../conversation/CaseConversations.js';
import { identityOf } from './authenticate.js';

const pageSchema = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(maxHistoryPage).default(100),
  })
  .refine((q) => q.after === undefined || q.before === undefined, { message: 'give after or before, not both', path: ['before'] });

/** A new message: `in` from a connector, `out` a reply; the case comes from the path. */
const newMessageSchema = z.discriminatedUnion('direction', [
  postRequestSchema.omit({ caseId: true }).extend({ direction: z.literal('in') }),
  sendRequestSchema.omit({ caseId: true }).extend({ direction: z.literal('out'), channel: channelSchema.optional() }),
]);

const deliverySchema = z
  .strictObject({ status: z.enum(['delivered', 'failed']), reason: typedText(500).optional() })
  .refine((r) => r.status === 'failed' || r.reason === undefined, { message: 'only a failure has a reason', path: ['reason'] });
const correctionSchema = correctionRequestSchema.omit({ caseId: true, seq: true });
const redactionSchema = redactionRequestSchema.omit({ caseId: true, seq: true });
const floorSchema = z.strictObject({ userId: userIdSchema });

const seqOf = (text: unknown): number => parsePayload(z.coerce.number().pipe(messageSeqSchema), text);

export function conversationRoutes(conversations: CaseConversations, cases: CaseDirectory): Router {
  const router = express.Router();

  /** The case named in the path; the conversation's writes check who may use it themselves. */
  const caseIdOf = (req: express.Request): string => parsePayload(caseIdSchema, req.params.id);

  /** The case named in the path, if the caller may read it: for the reads, which do not check. */
  const openCase = async (req: express.Request): Promise<string> => (await cases.open(caseIdOf(req), identityOf(req))).id;

  router.get('/cases/:id/messages', async (req, res) => {
    assertMayRead(identityOf(req), 'conversation');
    const caseId = await openCase(req);
    const { after, before, limit } = parsePayload(pageSchema, req.query);
    const [page, floor] = await Promise.all([conversations.history(caseId, { after, before, limit }), conversations.floor(caseId)]);
    res.json({ ok: true, ...page, floor });
  });

  router.post('/cases/:id/messages', async (req, res) => {
    const caseId = caseIdOf(req);
    const body = parsePayload(newMessageSchema, req.body);
    if (body.direction === 'in') {
      const { direction: _in, ...input } = body;
      const { message, duplicate } = await conversations.post(caseId, identityOf(req), input);
      res.status(duplicate ? 200 : 201).json({ ok: true, message, duplicate });
      return;
    }
    const { direction: _out, ...input } = body;
    res.status(201).json({ ok: true, message: await conversations.send(caseId, identityOf(req), input) });
  });

  router.post('/cases/:id/messages/:seq/delivery', async (req, res) => {
    const caseId = caseIdOf(req);
    const seq = seqOf(req.params.seq);
    const { status, reason } = parsePayload(deliverySchema, req.body);
    res.json({ ok: true, message: await conversations.report(caseId, identityOf(req), seq, status, reason ?? null) });
  });

  router.post('/cases/:id/messages/:seq/corrections', async (req, res) => {
    const caseId = caseIdOf(req);
    const { body } = parsePayload(correctionSchema, req.body);
    res.status(201).json({ ok: true, message: await conversations.correct(caseId, identityOf(req), seqOf(req.params.seq), body) });
  });

  router.post('/cases/:id/messages/:seq/redactions', async (req, res) => {
    const caseId = caseIdOf(req);
    const { reason } = parsePayload(redactionSchema, req.body);
    res.status(201).json({ ok: true, message: await conversations.redact(caseId, identityOf(req), seqOf(req.params.seq), reason) });
  });

  router.get('/cases/:id/floor', async (req, res) => {
    assertMayRead(identityOf(req), 'conversation');
    res.json({ ok: true, floor: await conversations.floor(await openCase(req)) });
  });

  router.put('/cases/:id/floor', async (req, res) => {
    const caseId = caseIdOf(req);
    const { userId } = parsePayload(floorSchema, req.body);
    res.json({ ok: true, floor: await conversations.giveFloor(caseId, identityOf(req), userId) });
  });

  router.delete('/cases/:id/floor', async (req, res) => {
    res.json({ ok: true, floor: await conversations.takeFloor(caseIdOf(req), identityOf(req)) });
  });

  return router;
}
