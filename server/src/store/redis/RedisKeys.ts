/**
 * The name of every key the Redis store writes (the layout is described in RedisStore.ts). Every
 * variable part (team, ids) is percent-encoded, so ':' only ever separates parts: a team called
 * `a:open` cannot name the same key as team `a` with status `open`.
 */
import type { ApprovalStatus, CaseStatus, DeliveryOutcome } from '@caseroom/shared';

/** Which approvals an index holds besides status and review: one case's, one team's, or all. */
export type ApprovalScope = { caseId: string } | { team: string } | 'all';

const part = (value: string): string => encodeURIComponent(value);

export class RedisKeys {
  constructor(private readonly prefix: string) {}

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  case(id: string): string {
    return this.key('case', part(id));
  }

  /** Cases with `status`, of one team or of all teams. */
  cases(status: CaseStatus, team?: string): string {
    return team === undefined ? this.key('cases', 'all', status) : this.key('cases', 'team', part(team), status);
  }

  /** Cases whose customer waits for an answer, of one team or of all teams (members `waitingSince NUL id`). */
  waitingCases(team?: string): string {
    return team === undefined ? this.key('cases', 'waiting', 'all') : this.key('cases', 'waiting', 'team', part(team));
  }

  /** seq -> the message as stored */
  messages(caseId: string): string {
    return this.key('case', part(caseId), 'messages');
  }

  /** What changes about a case's messages after they are stored: seq -> delivery JSON, corrected text, or `1` (redacted). */
  messageChanges(caseId: string, what: 'deliveries' | 'corrections' | 'redactions'): string {
    return this.key('case', part(caseId), 'messages', what);
  }

  /** idempotency key (a channel's id of an inbound message, a sender's id of a reply) -> seq */
  messageKeys(caseId: string): string {
    return this.key('case', part(caseId), 'messages', 'keys');
  }

  /** the seqs of the corrections of message `seq`, which a redaction of it hides too */
  messageAmendments(caseId: string, seq: number): string {
    return this.key('case', part(caseId), 'messages', 'amendments', String(seq));
  }

  /** channel (or `*`: any) -> the seq of the newest inbound message on it */
  lastInbound(caseId: string): string {
    return this.key('case', part(caseId), 'messages', 'inbound');
  }

  floor(caseId: string): string {
    return this.key('case', part(caseId), 'floor');
  }

  /** user id -> JSON { speaker, until } of whoever is writing a reply */
  composing(caseId: string): string {
    return this.key('case', part(caseId), 'composing');
  }

  ownership(caseId: string): string {
    return this.key('case', part(caseId), 'ownership');
  }

  ownershipHistory(caseId: string): string {
    return this.key('case', part(caseId), 'ownership', 'history');
  }

  person(userId: string): string {
    return this.key('person', part(userId));
  }

  /** SCAN pattern of every person's hash (the prefix holds no glob characters: see config.ts) */
  everyPerson(): string {
    return this.key('person', '*');
  }

  /** set: the user ids of the people remembered as members of `team` */
  teamPeople(team: string): string {
    return this.key('people', 'team', part(team));
  }

  /** hash: user id -> the moment (ms) up to which that person's tokens are refused */
  revocations(): string {
    return this.key('revocations');
  }

  approval(id: string): string {
    return this.key('approval', part(id));
  }

  approvals(scope: ApprovalScope, status: ApprovalStatus, reviewed: boolean): string {
    const facets = [status, reviewed ? 'reviewed' : 'unreviewed'];
    if (scope === 'all') return this.key('approvals', 'all', ...facets);
    if ('caseId' in scope) return this.key('approvals', 'case', part(scope.caseId), ...facets);
    return this.key('approvals', 'team', part(scope.team), ...facets);
  }

  get approvalExpiries(): string {
    return this.key('approvals', 'expiries');
  }

  /** sorted set: JSON [case id, step id] scored by when the step falls due (ms) */
  get stepDeadlines(): string {
    return this.key('deadlines', 'steps');
  }

  get events(): string {
    return this.key('events');
  }

  /** string: the id of the last event trimmed from `events` (absent before the first trim) */
  get eventsTrimmed(): string {
    return this.key('events', 'trimmed');
  }

  teamEvents(team: string): string {
    return this.key('events', 'team', part(team));
  }

  caseEvents(caseId: string): string {
    return this.key('events', 'case', part(caseId));
  }

  /** seq -> event id for one case */
  caseEventIds(caseId: string): string {
    return this.key('events', 'case', part(caseId), 'ids');
  }

  /** string: the last seq given to one of the case's events (trimming removes mappings, never this) */
  caseEventSeq(caseId: string): string {
    return this.key('events', 'case', part(caseId), 'seq');
  }

  updates(caseId: string): string {
    return this.key('doc', part(caseId), 'updates');
  }

  snapshot(caseId: string): string {
    return this.key('doc', part(caseId), 'snapshot');
  }

  webhook(id: string): string {
    return this.key('webhook', part(id));
  }

  /** Webhooks of one team, or of all teams. */
  webhooks(team?: string): string {
    return team === undefined ? this.key('webhooks', 'all') : this.key('webhooks', 'team', part(team));
  }

  /** seq -> delivery attempt */
  deliveries(webhookId: string): string {
    return this.key('webhook', part(webhookId), 'deliveries');
  }

  /** seqs of a webhook's delivery attempts, all or of one outcome */
  deliveryIndex(webhookId: string, outcome?: DeliveryOutcome): string {
    return this.key('webhook', part(webhookId), 'deliveries', outcome ?? 'all');
  }

  /** event id -> failed attempts */
  failures(webhookId: string): string {
    return this.key('webhook', part(webhookId), 'failures');
  }
}
