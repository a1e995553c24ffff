/**
 * The webhook API, for supervisors: register, list, remove, and read a webhook's delivery log.
 * Mounted on the authenticated `/api` router.
 */
import { deliveryOutcomes, isCaseEventType, parsePayload, type CaseEventType } from '@caseroom/shared';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { WebhookRegistry } from '../events/WebhookRegistry.js';
import { identityOf } from './authenticate.js';

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

const registrationSchema = z.strictObject({
  url: z.string().max(2048).refine(isHttpUrl, 'must be an http or https URL'),
  types: z
    .array(z.string().max(100))
    .min(1, 'must name at least one event type (leave it out for every type)')
    .max(100)
    .superRefine((types, ctx) => {
      const unknown = types.find((type) => !isCaseEventType(type));
      if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `"${unknown}" is not a case event type` });
    })
    .transform((types) => types as CaseEventType[])
    .optional(),
  team: z.string().trim().min(1).max(100).optional(),
  secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
});

/** Refusals of these fields get their own code rather than `invalid_payload`. */
const registrationFieldCodes = { url: 'invalid_url', types: 'invalid_filter' } as const;

const listingSchema = z.object({ team: z.string().min(1).max(100).optional() });

const deliveryListingSchema = z.object({
  status: z.enum(deliveryOutcomes).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export function webhookRoutes(webhooks: WebhookRegistry): Router {
  const router = express.Router();

  router.post('/webhooks', async (req, res) => {
    const registration = parsePayload(registrationSchema, req.body, registrationFieldCodes);
    const { webhook, secret } = await webhooks.register(registration, identityOf(req));
    // The only time the secret is shown: the receiver needs it to check signatures.
    res.status(201).json({ ok: true, webhook, secret });
  });

  router.get('/webhooks', async (req, res) => {
    const { team } = parsePayload(listingSchema, req.query);
    res.json({ ok: true, webhooks: await webhooks.list(identityOf(req), team) });
  });

  router.delete('/webhooks/:id', async (req, res) => {
    await webhooks.remove(String(req.params.id), identityOf(req));
    res.json({ ok: true });
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { status, limit, cursor } = parsePayload(deliveryListingSchema, req.query);
    const page = await webhooks.deliveries({ webhookId: String(req.params.id), outcome: status, limit, cursor }, identityOf(req));
    res.json({ ok: true, deliveries: page.items, nextCursor: page.nextCursor });
  });

  return router;
}
