/**
 * Socket handlers of the conversation plane. The people of the room write from a case they
 * joined; channel connectors post and report on any case of their team without joining it.
 */
import { assertMayRead } from '@caseroom/shared';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseConversations } from '../conversation/CaseConversations.js';
import type { SocketHandlers } from './SocketHandler.js';

type ConversationEvents =
  | 'conversation:send'
  | 'conversation:post'
  | 'conversation:delivery'
  | 'conversation:correct'
  | 'conversation:redact'
  | 'conversation:composing'
  | 'conversation:history'
  | 'floor:give'
  | 'floor:take';

/** The most messages one history page holds when the request does not say. */
const defaultPage = 100;

export function conversationHandlers(conversations: CaseConversations, cases: CaseDirectory): SocketHandlers<ConversationEvents> {
  return {
    'conversation:send': async (context, { caseId, ...input }) => {
      context.roomOf(caseId);
      return { message: await conversations.send(caseId, context.who, input) };
    },

    'conversation:post': async (context, { caseId, ...input }) => conversations.post(caseId, context.who, input),

    'conversation:delivery': async (context, { caseId, seq, status, reason }) => ({
      message: await conversations.report(caseId, context.who, seq, status, reason ?? null),
    }),

    'conversation:correct': async (context, { caseId, seq, body }) => ({
      message: await conversations.correct(caseId, context.who, seq, body),
    }),

    'conversation:redact': async (context, { caseId, seq, reason }) => {
      context.roomOf(caseId);
      return { message: await conversations.redact(caseId, context.who, seq, reason) };
    },

    'conversation:composing': async (context, { caseId, composing }) => {
      context.roomOf(caseId);
      return { until: await conversations.compose(caseId, context.who, composing) };
    },

    'conversation:history': async (context, { caseId, after, before, limit }) => {
      assertMayRead(context.who, 'conversation');
      await cases.open(caseId, context.who);
      return conversations.history(caseId, { after, before, limit: limit ?? defaultPage });
    },

    'floor:give': async (context, { caseId, userId }) => {
      context.roomOf(caseId);
      return { floor: await conversations.giveFloor(caseId, context.who, userId) };
    },

    'floor:take': async (context, { caseId }) => {
      context.roomOf(caseId);
      return { floor: await conversations.takeFloor(caseId, context.who) };
    },
  };
}
