/**
 * Everything the hub keeps durably goes through this interface: one aggregate store per kind of
 * record, each a small interface of its own file, and one implementation of the whole per
 * deployment mode (sqlite/ embedded, redis/ in cluster mode). Nothing above `store/` knows which.
 * The store-*.test.ts files of test/store hold both to the same results and the same error codes.
 */
import type { ApprovalStore } from './ApprovalStore.js';
import type { CaseRecordStore } from './CaseRecordStore.js';
import type { ConversationStore } from './ConversationStore.js';
import type { DeadlineStore } from './DeadlineStore.js';
import type { DocumentStore } from './DocumentStore.js';
import type { EventStore } from './EventStore.js';
import type { OwnershipStore } from './OwnershipStore.js';
import type { PeopleStore } from './PeopleStore.js';
import type { WebhookStore } from './WebhookStore.js';

// The vocabulary of the aggregates, for callers that import it with the store.
export type { ApprovalQuery, ApprovalStore } from './ApprovalStore.js';
export type { CaseQuery, CaseRecordStore } from './CaseRecordStore.js';
export {
  idempotencyKey,
  type ConversationStore,
  type MessageRange,
  type NewMessage,
  type SpeakingRight,
  type StoredFloor,
} from './ConversationStore.js';
export type { DeadlineStore, StepDeadline } from './DeadlineStore.js';
export type { DocumentStore, StoredDocument } from './DocumentStore.js';
export type { EventQuery, EventStore, NewCaseEvent } from './EventStore.js';
export type { OwnershipStore } from './OwnershipStore.js';
export type { PeopleStore } from './PeopleStore.js';
export type { DeliveryQuery, StoredWebhook, WebhookStore } from './WebhookStore.js';

/*
 * Every write that changes what bots may see takes the case events describing it and stores them
 * in the same transaction: an event is never lost, nor recorded for a change that was not. Once
 * such a write commits, `events.onAppended` tells event readers; writers never have to.
 */
export interface CaseStore {
  /** `sqlite` or `redis` */
  readonly kind: string;
  readonly cases: CaseRecordStore;
  readonly ownership: OwnershipStore;
  readonly approvals: ApprovalStore;
  /** what the customer said and was told, the floor, who is writing a reply */
  readonly conversation: ConversationStore;
  /** when the steps of case documents fall due */
  readonly deadlines: DeadlineStore;
  readonly events: EventStore;
  readonly documents: DocumentStore;
  /** people who signed in, and revocations of their tokens */
  readonly people: PeopleStore;
  /** webhooks and their delivery log, beside the events they deliver */
  readonly webhooks: WebhookStore;

  /** Resolves when the store answers; rejects otherwise (used by /readyz). */
  ping(): Promise<void>;
  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}
