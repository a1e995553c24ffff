/** Socket handlers of the decisions plane: peer approval requests. */
import { assertMayRead } from '@caseroom/shared';
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import type { SocketHandlers } from './SocketHandler.js';

export function approvalHandlers(
  approvals: ApprovalBook,
): SocketHandlers<'approval:request' | 'approval:decide' | 'approval:cancel' | 'approval:pending'> {
  return {
    'approval:request': async (context, { caseId, ...input }) => {
      context.roomOf(caseId);
      return { approval: await approvals.request(caseId, context.who, input) };
    },

    'approval:decide': async (context, { approvalId, verdict, comment }) => ({
      approval: await approvals.decide(approvalId, context.who, verdict, comment ?? null),
    }),

    'approval:cancel': async (context, { approvalId }) => ({ approval: await approvals.cancel(approvalId, context.who) }),

    'approval:pending': async (context, { team }) => {
      assertMayRead(context.who, 'approvals');
      return { approvals: await approvals.pendingFor(context.who, team) };
    },
  };
}
