/**
 * Who may register, see and remove webhooks (supervisors), and what a new one looks like: its
 * team, its filter, its signing secret and a URL that does not lead inside. Every change reaches
 * the dispatcher at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  allowedEventTypes,
  CaseroomError,
  type CaseEventType,
  type Identity,
  type Page,
  type Webhook,
  type WebhookDelivery,
} from '@caseroom/shared';
import type { Logger } from '../logger.js';
import type { DeliveryQuery, StoredWebhook, WebhookStore } from '../store/WebhookStore.js';
import type { WebhookDispatcher } from './WebhookDispatcher.js';
import type { WebhookTargets } from './WebhookTargets.js';

export interface WebhookRegistration {
  url: string;
  /** absent: every event type */
  types?: CaseEventType[] | undefined;
  /** absent: the supervisor's own team */
  team?: string | undefined;
  /** absent: a random one is generated */
  secret?: string | undefined;
}

function shown({ secret: _secret, ...webhook }: StoredWebhook): Webhook {
  return webhook;
}

function requireSupervisor(who: Identity): void {
  if (who.role !== 'supervisor') throw new CaseroomError('supervisor_only', 'Only a supervisor can manage webhooks');
}

export class WebhookRegistry {
  constructor(
    private readonly store: WebhookStore,
    private readonly dispatcher: WebhookDispatcher,
    private readonly targets: WebhookTargets,
    private readonly log: Logger,
  ) {}

  /** Stores a webhook that receives the events stored from now on; the secret is returned only here. */
  async register(registration: WebhookRegistration, who: Identity): Promise<{ webhook: Webhook; secret: string }> {
    requireSupervisor(who);
    this.targets.check(registration.url);
    // A webhook delivers no more than its registrant's token may see.
    const types = allowedEventTypes(who, registration.types);
    const webhook: StoredWebhook = {
      id: randomUUID(),
      url: registration.url,
      types: types ? [...new Set(types)] : null,
      team: registration.team ?? who.team,
      createdAt: new Date().toISOString(),
      createdBy: who.userId,
      secret: registration.secret ?? randomBytes(32).toString('hex'),
    };
    await this.store.create(webhook);
    this.dispatcher.follow(webhook);
    this.log.info({ webhookId: webhook.id, team: webhook.team, userId: who.userId }, 'webhook registered');
    return { webhook: shown(webhook), secret: webhook.secret };
  }

  /** Oldest first; every team unless one is named. */
  async list(who: Identity, team?: string): Promise<Webhook[]> {
    requireSupervisor(who);
    return (await this.store.list(team)).map(shown);
  }

  async remove(id: string, who: Identity): Promise<void> {
    requireSupervisor(who);
    const removed = await this.store.remove(id);
    await this.dispatcher.unfollow(id);
    if (!removed) throw new CaseroomError('unknown_webhook');
    this.log.info({ webhookId: id, userId: who.userId }, 'webhook removed');
  }

  /** The webhook's delivery attempts, newest first. */
  async deliveries(query: DeliveryQuery, who: Identity): Promise<Page<WebhookDelivery>> {
    requireSupervisor(who);
    if (!(await this.store.get(query.webhookId))) throw new CaseroomError('unknown_webhook');
    return this.store.deliveries(query);
  }
}
