/** Socket handlers of the decisions plane: peer approval requests. */
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import { amountFieldCodes, approvalDecisionSchema, approvalIdSchema, approvalRequestSchema, parse } from '../validation.js';
import { z } from 'zod';
import { respond } from './respond.js';
import type { SocketContext } from './SocketContext.js';

const pendingSchema = z.strictObject({ team: z.string().min(1).max(100).optional() });

export function registerApprovalHandlers(context: SocketContext, approvals: ApprovalBook): void {
  const { socket, who, log } = context;

  socket.on('approval:request', (request, ack) =>
    respond(ack, log, async () => {
      const { caseId, ...input } = parse(approvalRequestSchema, request, amountFieldCodes);
      context.roomOf(caseId);
      return { approval: await approvals.request(caseId, who, input) };
    }),
  );

  socket.on('approval:decide', (request, ack) =>
    respond(ack, log, async () => {
      const { approvalId, verdict, comment } = parse(approvalDecisionSchema, request);
      return { approval: await approvals.decide(approvalId, who, verdict, comment ?? null) };
    }),
  );

  socket.on('approval:cancel', (request, ack) =>
    respond(ack, log, async () => {
      const { approvalId } = parse(approvalIdSchema, request);
      return { approval: await approvals.cancel(approvalId, who) };
    }),
  );

  socket.on('approval:pending', (request, ack) =>
    respond(ack, log, async () => {
      const { team } = parse(pendingSchema, request ?? {});
      return { approvals: await approvals.pendingFor(who, team) };
    }),
  );
}
