export { CaseClient, type CaseClientOptions, type CaseClientEvents, type ClientStatus } from './CaseClient.js';
export { CaseSession, type CaseSessionEvents, type SessionStatus } from './CaseSession.js';
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
} from '@caseroom/shared';
