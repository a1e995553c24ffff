/** Socket handlers of the decisions plane: peer approval requests. */
import { assertMayRead } from '@caseroom/shared';
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import { amountFieldCodes, approvalDecisionSchema, approvalIdSchema, approvalRequestSchema, parse } from '../validation.js';
import { z } from 'zod';
import { respond } from './respond.js';
import type { SocketHandlers } from './SocketContext.js';

const pendingSchema = z.strictObject({ team: z.string().min(1).max(100).optional() });

export function approvalHandlers(
  approvals: ApprovalBook,
): SocketHandlers<'approval:request' | 'approval:decide' | 'approval:cancel' | 'approval:pending'> {
  return {
    'approval:request': (context, request, ack) =>
      respond(ack, context.log, async () => {
        const { caseId, ...input } = parse(approvalRequestSchema, request, amountFieldCodes);
        context.roomOf(caseId);
        return { approval: await approvals.request(caseId, context.who, input) };
      }),

    'approval:decide': (context, request, ack) =>
      respond(ack, context.log, async () => {
        const { approvalId, verdict, comment } = parse(approvalDecisionSchema, request);
        return { approval: await approvals.decide(approvalId, context.who, verdict, comment ?? null) };
      }),

    'approval:cancel': (context, request, ack) =>
      respond(ack, context.log, async () => {
        const { approvalId } = parse(approvalIdSchema, request);
        return { approval: await approvals.cancel(approvalId, context.who) };
      }),

    'approval:pending': (context, request, ack) =>
      respond(ack, context.log, async () => {
        const { team } = parse(pendingSchema, request ?? {});
        assertMayRead(context.who, 'approvals');
        return { approvals: await approvals.pendingFor(context.who, team) };
      }),
  };
}
