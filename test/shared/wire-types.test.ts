/**
 * The event maps the SDK hands to Socket.IO, pinned: the types derived from the event table
 * (shared/src/events.ts) must be exactly these, field by field. A change to a schema that changes
 * what an app sends or receives fails `tsc -p test` (and so `npm test`) here, where the change has
 * to be made on purpose. The shapes below are written out by hand for that reason only.
 */
import type {
  Ack,
  Approval,
  ApprovalInput,
  ApprovalUpdate,
  CaseEvent,
  CaseEventType,
  CaseRecord,
  ClientToServerEvents,
  Floor,
  Message,
  EventFilter,
  OverdueStep,
  OwnerUpdate,
  Ownership,
  Person,
  RosterMember,
  RosterUpdate,
  ServerToClientEvents,
  TokenLifetime,
  WireError,
} from '@caseroom/shared';
import { describe, expectTypeOf, it } from 'vitest';

type Role = 'agent' | 'specialist' | 'supervisor' | 'bot';

interface PinnedWireError {
  code: WireError['code'];
  message: string;
  field?: string;
  details?: Record<string, unknown>;
}

interface PinnedPerson {
  userId: string;
  name: string;
  role: Role;
}

interface PinnedCaseRecord {
  id: string;
  subject: string;
  team: string;
  status: 'open' | 'resolved';
  customer: { name: string; channel: string } | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  waitingSince: string | null;
}

interface PinnedRosterMember extends PinnedPerson {
  status: 'active' | 'idle' | 'away';
  connections: number;
  since: string;
}

interface PinnedRosterUpdate {
  members: PinnedRosterMember[];
  change: { kind: 'joined' | 'left' | 'updated'; userId: string };
}

interface PinnedOwnership {
  owner: PinnedPerson | null;
  epoch: number;
  offer: { to: PinnedPerson; by: string; at: string } | null;
}

interface PinnedOwnerUpdate {
  ownership: PinnedOwnership;
  change: {
    kind: 'claimed' | 'handoff_offered' | 'handoff_accepted' | 'handoff_declined' | 'reassigned' | 'released';
    by: string;
    from: string | null;
    to: string | null;
    at: string;
    epoch: number;
  };
}

interface PinnedApproval {
  id: string;
  caseId: string;
  team: string;
  kind: string;
  summary: string;
  amount: number | null;
  currency: string | null;
  customerProposal: string | null;
  policyRef: string | null;
  requestedBy: PinnedPerson;
  requestedAt: string;
  expiresAt: string;
  rule: { approvals: number; supervisorSuffices: boolean };
  status: 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';
  decisions: Array<{ by: PinnedPerson; verdict: 'approve' | 'reject'; comment: string | null; at: string }>;
  closedAt: string | null;
  review: { by: PinnedPerson; verdict: 'upheld' | 'corrected'; note: string; at: string } | null;
  version: number;
}

interface PinnedApprovalUpdate {
  approval: PinnedApproval;
  change: {
    kind: 'requested' | 'decision' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'reviewed';
    by: string | null;
    at: string;
  };
}

interface PinnedApprovalInput {
  kind: string;
  summary: string;
  amount?: number;
  currency?: string;
  customerProposal?: string;
  policyRef?: string;
  expiresIn?: number;
}

interface PinnedCaseEvent {
  id: string;
  caseId: string;
  seq: number;
  type: CaseEventType;
  at: string;
  actor: PinnedPerson | null;
  data: Record<string, unknown>;
}

interface PinnedEventFilter {
  cases?: string[] | 'team';
  types?: CaseEventType[];
  after?: string;
}

type PinnedChannel = 'chat' | 'email' | 'phone' | 'sms' | 'social' | 'video' | 'in_person' | 'web';

interface PinnedSpeaker extends PinnedPerson {
  department?: string;
}

interface PinnedAttachment {
  url: string;
  name: string;
  size: number;
}

interface PinnedDelivery {
  status: 'pending' | 'delivered' | 'failed';
  reason: string | null;
  at: string;
}

interface PinnedMessage {
  caseId: string;
  seq: number;
  at: string;
  kind: 'message' | 'correction' | 'redaction';
  direction: 'in' | 'out';
  channel: PinnedChannel;
  body: string;
  author: PinnedSpeaker;
  attachments: PinnedAttachment[];
  externalId: string | null;
  customer: { name?: string; address?: string } | null;
  sentAt: string | null;
  replaces: number | null;
  redacted: boolean;
  delivery: PinnedDelivery | null;
}

interface PinnedFloor {
  holder: PinnedSpeaker | null;
  givenBy: string | null;
  since: string | null;
}

interface PinnedComposing {
  person: PinnedSpeaker;
  composing: boolean;
  until: string | null;
}

interface PinnedOverdueStep {
  caseId: string;
  team: string;
  stepId: string;
  text: string;
  assignee: string | null;
  due: string;
  at: string;
}

interface PinnedTokenLifetime {
  expiresInMs: number | null;
}

type Answer<T extends object = object> = (response: Ack<T>) => void;

interface PinnedClientToServerEvents {
  'case:join': (
    request: { caseId: string; stateVector?: Uint8Array },
    ack: Answer<{
      case: PinnedCaseRecord;
      you: PinnedPerson;
      roster: PinnedRosterMember[];
      ownership: PinnedOwnership;
      approvals: PinnedApproval[];
      conversation: { messages: PinnedMessage[]; lastSeq: number; floor: PinnedFloor; composing: PinnedComposing[] };
      update?: Uint8Array;
    }>,
  ) => void;
  'case:leave': (request: { caseId: string }, ack: Answer) => void;
  'doc:sync': (caseId: string, message: Uint8Array, ack: Answer<{ reply?: Uint8Array }>) => void;
  'doc:awareness': (caseId: string, message: Uint8Array, ack: Answer) => void;
  'presence:status': (request: { caseId: string; status: 'active' | 'idle' | 'away' }, ack: Answer) => void;
  'owner:claim': (request: { caseId: string }, ack: Answer<{ ownership: PinnedOwnership }>) => void;
  'owner:offer': (request: { caseId: string; userId: string }, ack: Answer<{ ownership: PinnedOwnership }>) => void;
  'owner:accept': (request: { caseId: string }, ack: Answer<{ ownership: PinnedOwnership }>) => void;
  'owner:decline': (request: { caseId: string }, ack: Answer<{ ownership: PinnedOwnership }>) => void;
  'owner:reassign': (request: { caseId: string; userId: string }, ack: Answer<{ ownership: PinnedOwnership }>) => void;
  'owner:release': (request: { caseId: string }, ack: Answer<{ ownership: PinnedOwnership }>) => void;
  'approval:request': (
    request: {
      caseId: string;
      kind: string;
      summary: string;
      amount?: number;
      currency?: string;
      customerProposal?: string;
      policyRef?: string;
      expiresIn?: number;
    },
    ack: Answer<{ approval: PinnedApproval }>,
  ) => void;
  'approval:decide': (
    request: { approvalId: string; verdict: 'approve' | 'reject'; comment?: string },
    ack: Answer<{ approval: PinnedApproval }>,
  ) => void;
  'approval:cancel': (request: { approvalId: string }, ack: Answer<{ approval: PinnedApproval }>) => void;
  'approval:pending': (request: { team?: string } | null | undefined, ack: Answer<{ approvals: PinnedApproval[] }>) => void;
  'events:subscribe': (request: PinnedEventFilter, ack: Answer<{ subscriptionId: string; cursor: string }>) => void;
  'events:unsubscribe': (request: { subscriptionId: string }, ack: Answer) => void;
  'auth:refresh': (request: { token: string }, ack: Answer<PinnedTokenLifetime>) => void;
  'conversation:send': (
    request: {
      caseId: string;
      body: string;
      channel?: PinnedChannel;
      attachments?: PinnedAttachment[];
      confirm?: boolean;
      clientMessageId?: string;
    },
    ack: Answer<{ message: PinnedMessage }>,
  ) => void;
  'conversation:post': (
    request: {
      caseId: string;
      channel: PinnedChannel;
      body: string;
      externalId: string;
      customer?: { name?: string; address?: string };
      sentAt?: string;
      attachments?: PinnedAttachment[];
    },
    ack: Answer<{ message: PinnedMessage; duplicate: boolean }>,
  ) => void;
  'conversation:delivery': (
    request: { caseId: string; seq: number; status: 'delivered' | 'failed'; reason?: string },
    ack: Answer<{ message: PinnedMessage }>,
  ) => void;
  'conversation:correct': (request: { caseId: string; seq: number; body: string }, ack: Answer<{ message: PinnedMessage }>) => void;
  'conversation:redact': (request: { caseId: string; seq: number; reason: string }, ack: Answer<{ message: PinnedMessage }>) => void;
  'conversation:composing': (request: { caseId: string; composing: boolean }, ack: Answer<{ until: string | null }>) => void;
  'conversation:history': (
    request: { caseId: string; after?: number; before?: number; limit?: number },
    ack: Answer<{ messages: PinnedMessage[]; lastSeq: number }>,
  ) => void;
  'floor:give': (request: { caseId: string; userId: string }, ack: Answer<{ floor: PinnedFloor }>) => void;
  'floor:take': (request: { caseId: string }, ack: Answer<{ floor: PinnedFloor }>) => void;
  'case:resolve': (request: { caseId: string }, ack: Answer<{ case: PinnedCaseRecord }>) => void;
  'case:reopen': (request: { caseId: string }, ack: Answer<{ case: PinnedCaseRecord }>) => void;
}

interface PinnedServerToClientEvents {
  'doc:sync': (caseId: string, message: Uint8Array) => void;
  'doc:awareness': (caseId: string, message: Uint8Array) => void;
  roster: (caseId: string, update: PinnedRosterUpdate) => void;
  owner: (caseId: string, update: PinnedOwnerUpdate) => void;
  events: (subscriptionId: string, events: PinnedCaseEvent[], ack: () => void) => void;
  'events:caughtUp': (subscriptionId: string, cursor: string) => void;
  'events:ended': (subscriptionId: string, error: PinnedWireError) => void;
  approval: (update: PinnedApprovalUpdate) => void;
  'step:overdue': (step: PinnedOverdueStep) => void;
  'case:updated': (caseId: string, record: PinnedCaseRecord) => void;
  'conversation:message': (caseId: string, message: PinnedMessage) => void;
  'conversation:delivery': (caseId: string, delivery: { seq: number; delivery: PinnedDelivery }) => void;
  'conversation:composing': (caseId: string, composing: PinnedComposing) => void;
  floor: (caseId: string, floor: PinnedFloor) => void;
  'case:closed': (caseId: string, reason: PinnedWireError) => void;
  'auth:expires': (lifetime: PinnedTokenLifetime) => void;
  'auth:expired': (error: PinnedWireError) => void;
  'auth:revoked': (error: PinnedWireError) => void;
}

describe('the event maps the SDK sees', () => {
  it('name exactly these requests, with these payloads and acknowledgements', () => {
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<keyof PinnedClientToServerEvents>();
    expectTypeOf<ClientToServerEvents>().toEqualTypeOf<PinnedClientToServerEvents>();
  });

  it('name exactly these events from the hub, with these payloads', () => {
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<keyof PinnedServerToClientEvents>();
    expectTypeOf<ServerToClientEvents>().toEqualTypeOf<PinnedServerToClientEvents>();
  });

  it('export the records apps handle under their names, shaped as pinned', () => {
    expectTypeOf<WireError>().toEqualTypeOf<PinnedWireError>();
    expectTypeOf<Person>().toEqualTypeOf<PinnedPerson>();
    expectTypeOf<CaseRecord>().toEqualTypeOf<PinnedCaseRecord>();
    expectTypeOf<RosterMember>().toEqualTypeOf<PinnedRosterMember>();
    expectTypeOf<RosterUpdate>().toEqualTypeOf<PinnedRosterUpdate>();
    expectTypeOf<Ownership>().toEqualTypeOf<PinnedOwnership>();
    expectTypeOf<OwnerUpdate>().toEqualTypeOf<PinnedOwnerUpdate>();
    expectTypeOf<Approval>().toEqualTypeOf<PinnedApproval>();
    expectTypeOf<ApprovalUpdate>().toEqualTypeOf<PinnedApprovalUpdate>();
    expectTypeOf<ApprovalInput>().toEqualTypeOf<PinnedApprovalInput>();
    expectTypeOf<CaseEvent>().toEqualTypeOf<PinnedCaseEvent>();
    expectTypeOf<EventFilter>().toEqualTypeOf<PinnedEventFilter>();
    expectTypeOf<OverdueStep>().toEqualTypeOf<PinnedOverdueStep>();
    expectTypeOf<TokenLifetime>().toEqualTypeOf<PinnedTokenLifetime>();
    expectTypeOf<Message>().toEqualTypeOf<PinnedMessage>();
    expectTypeOf<Floor>().toEqualTypeOf<PinnedFloor>();
  });
});
