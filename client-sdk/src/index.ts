export { CaseClient, type CaseClientOptions, type CaseClientEvents, type ClientStatus } from './CaseClient.js';
export { BotClient } from './BotClient.js';
export { EventSubscription, type EventHandler, type EventSubscriptionEvents } from './EventSubscription.js';
export { CaseSession, type CaseSessionEvents, type SessionStatus, type CaseOwner } from './CaseSession.js';
export {
  CaseroomError,
  CaseDocument,
  StepList,
  FactBook,
  type Step,
  type NewStep,
  type Fact,
  type CaseRecord,
  type ErrorCode,
  type Ownership,
  type OwnershipChange,
  type RosterMember,
  type PresenceStatus,
  type Approval,
  type ApprovalInput,
  type ApprovalUpdate,
  type ApprovalStatus,
  type CaseEvent,
  type CaseEventType,
  type EventFilter,
  type OverdueStep,
  type FactOptions,
  caseEventTypes,
} from '@caseroom/shared';
