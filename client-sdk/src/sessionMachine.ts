/**
 * The sync engine of one open case, as one pure function: where the session stands with the hub
 * (offline, joining, joined, leaving to resync, closed) and where its local changes stand (stored,
 * in flight, held behind the flight, or unsent). No socket, no timer, no Y.Doc: updates are opaque
 * bytes, and every answer or timer comes back as an input naming the link it belongs to, so one
 * from an earlier connection is ignored. `CaseSession` carries out the effects.
 *
 * The status is derived from the phase, never stored beside it: a session cannot be `synced`
 * without being in the case, nor have a message in flight while it is not.
 *
 * Effects that settle the local edits (`flushed`, `takeBack`) come before those that reach the
 * app's listeners (`enter`, `error`, `status`): an edit a listener makes at once waits its turn as
 * the next input, and must not be forgotten or undone by the decision that was being carried out.
 */
import { CaseroomError, type ErrorCode } from '@caseroom/shared';
import { backoffDelay, type Backoff } from './backoff.js';

export type SessionStatus = 'connecting' | 'synced' | 'offline' | 'closed';

/** Local changes the hub lacks that no message carries: the next handshake sends them all. */
export interface Unsent {
  /** how many of them are local edits the session could take back */
  edits: number;
}

/** The one message of local changes on its way to the hub. */
export type Flight =
  /** changes, as the updates that made them (merged on the wire), with how many local edits they are */
  | { carries: 'changes'; updates: Uint8Array[]; edits: number }
  /** the undoing of edits the hub refused for good, together with what it undoes */
  | { carries: 'takeBack' };

/** What brings the handshake that sends everything the hub lacks. */
export type Resync =
  /** the hub's sync step 1, which follows every join */
  | 'handshake'
  /** a rejoin once a fresh token is in force (the hub refused the changes with `token_expired`) */
  | 'freshToken'
  /** a rejoin after a backoff (the hub refused the changes for now) */
  | 'rejoin';

/** Where local changes stand while the session is in the case. */
export type Outbox =
  /** the hub has every local change: `flushed()` resolves */
  | { kind: 'idle' }
  /** one message in flight; changes made meanwhile are held, to go merged once it is answered */
  | { kind: 'sending'; flight: Flight; held: Uint8Array[]; heldEdits: number }
  /** the hub lacks changes that no message carries; sent one by one they would arrive before what they build on */
  | { kind: 'behind'; unsent: Unsent; resync: Resync };

interface Standing {
  /** the connection attempt that answers must name; every join and every resync starts a new one */
  link: number;
  /** how many local edits, oldest first, the hub has stored: taking edits back keeps these */
  stored: number;
  /** refused joins and resyncs in a row, for the backoff */
  retries: number;
}

export type SessionState =
  /** no connection to the hub */
  | (Standing & { phase: 'offline'; unsent: Unsent | null })
  /** `case:join` sent, its answer awaited */
  | (Standing & { phase: 'joining'; unsent: Unsent | null })
  /** the hub refused the join for now: a new one goes after a backoff */
  | (Standing & { phase: 'retrying'; unsent: Unsent | null })
  /** in the case on the hub */
  | (Standing & { phase: 'joined'; outbox: Outbox })
  /** `case:leave` sent to rejoin, so that the hub's handshake asks for everything it lacks */
  | (Standing & { phase: 'leaving'; unsent: Unsent })
  /** closed for good; the Y.Doc stays readable */
  | { phase: 'closed' };

export type SessionInput<Answer> =
  /** the socket connected */
  | { type: 'connect' }
  /** the socket dropped */
  | { type: 'disconnect' }
  | { type: 'joined'; link: number; answer: Answer }
  | { type: 'joinRefused'; link: number; error: CaseroomError }
  /** a change made here; `undoable` when it is a local edit the session could take back */
  | { type: 'edit'; update: Uint8Array; undoable: boolean }
  /** the hub stored the message in flight */
  | { type: 'stored'; link: number }
  /** the hub refused the message in flight */
  | { type: 'editRefused'; link: number; error: CaseroomError }
  /** the hub's sync step 1 came, and `missing` is what it lacks (worked out only when `awaitsHandshake`) */
  | { type: 'handshake'; missing: Uint8Array }
  /** a document update from the hub */
  | { type: 'remote'; update: Uint8Array }
  /** a wait the machine asked for is over */
  | { type: 'waited'; link: number }
  | { type: 'left'; link: number }
  | { type: 'leaveRefused'; link: number }
  /** a fresh token is in force */
  | { type: 'tokenRefreshed' }
  /** the hub refused the connection or revoked the person: no reconnection follows */
  | { type: 'refused'; error: CaseroomError }
  /** the app closed the session */
  | { type: 'close' };

export type SessionEffect<Answer> =
  /** send `case:join` with the document's state vector; answer with `joined` or `joinRefused` */
  | { type: 'join'; link: number }
  /** adopt what the join answer brought (case, roster, owner, approvals, the document's missing part) */
  | { type: 'enter'; answer: Answer }
  /** send `updates` merged, as an update or as sync step 2; answer with `stored` or `editRefused` */
  | { type: 'send'; link: number; updates: Uint8Array[]; as: 'update' | 'step2' }
  /** undo every local edit but the oldest `keep`, and send the undoing merged with `refused` as one update */
  | { type: 'takeBack'; link: number; keep: number; refused: Uint8Array[] }
  /** apply a document update from the hub */
  | { type: 'apply'; update: Uint8Array }
  /** every local change is stored: forget the edits kept for taking back, resolve `flushed()` */
  | { type: 'flushed' }
  /** send `case:leave`; answer with `left` or `leaveRefused`, unless `link` is null (closing: nobody waits) */
  | { type: 'leave'; link: number | null }
  /** answer with `waited` after `ms` */
  | { type: 'wait'; link: number; ms: number }
  | { type: 'error'; error: CaseroomError }
  /** the connection is gone, and the others' cursors with it */
  | { type: 'clearAwareness' }
  /** stop for good; `error` rejects `synced` if it has not resolved */
  | { type: 'shutDown'; error: CaseroomError | null }
  | { type: 'status'; status: SessionStatus };

export interface SessionDecision<Answer> {
  state: SessionState;
  effects: SessionEffect<Answer>[];
}

export const initialSession: SessionState = { phase: 'offline', link: 0, stored: 0, retries: 0, unsent: null };

/** Refused joins and resyncs are tried again after 0.5 s, 1 s, 2 s, ... at most 10 s. */
export const rejoinBackoff: Backoff = { firstMs: 500, maxMs: 10_000 };

/** Refusals of a join after which retrying cannot help. (`token_expired` can: a fresh token.) */
const finalCodes = new Set<ErrorCode>(['unknown_case', 'forbidden', 'invalid_token', 'token_revoked', 'unauthenticated']);
/**
 * Refusals of an edit that pass (a rate limit, a store hiccup, an edit that arrived before one it
 * builds on): a resync sends it again later, with everything else the hub lacks.
 */
const resendCodes = new Set<ErrorCode>(['rate_limited', 'store_unavailable', 'missing_history']);
/** Refusals of an edit the hub will never take as it is: the session takes the edit back. */
const takeBackCodes = new Set<ErrorCode>(['invalid_document', 'forged_author']);

export function statusOf(state: SessionState): SessionStatus {
  switch (state.phase) {
    case 'offline':
      return 'offline';
    case 'joined':
      return 'synced';
    case 'closed':
      return 'closed';
    default:
      return 'connecting';
  }
}

/** Whether every local change has been stored by the hub. */
export function isFlushed(state: SessionState): boolean {
  return state.phase === 'joined' && state.outbox.kind === 'idle';
}

/** Whether the hub's sync step 1 is to be answered with what it lacks (only then is that worth working out). */
export function awaitsHandshake(state: SessionState): boolean {
  return state.phase === 'joined' && state.outbox.kind === 'behind';
}

export function decideSession<Answer>(state: SessionState, input: SessionInput<Answer>): SessionDecision<Answer> {
  const decision = transition(state, input);
  const status = statusOf(decision.state);
  if (status === statusOf(state)) return decision;
  return { state: decision.state, effects: [...decision.effects, { type: 'status', status }] };
}

type Open = Exclude<SessionState, { phase: 'closed' }>;
type Joined = Extract<SessionState, { phase: 'joined' }>;
type Sending = Extract<Outbox, { kind: 'sending' }>;

function transition<Answer>(state: SessionState, input: SessionInput<Answer>): SessionDecision<Answer> {
  if (state.phase === 'closed') return ignore(state);
  switch (input.type) {
    case 'connect':
      // Any other phase is already on this connection: its join is under way or done.
      return state.phase === 'offline' ? join(state, state.unsent) : ignore(state);
    case 'disconnect':
      if (state.phase === 'offline') return ignore(state);
      // Whatever was in flight or held is in the Y.Doc, and the next handshake sends it.
      return { state: { ...standing(state), phase: 'offline', unsent: unsentOf(state) }, effects: [{ type: 'clearAwareness' }] };
    case 'joined': {
      if (state.phase !== 'joining' || input.link !== state.link) return ignore(state);
      const entered = { type: 'enter', answer: input.answer } as const;
      if (state.unsent) {
        const outbox: Outbox = { kind: 'behind', unsent: state.unsent, resync: 'handshake' };
        return { state: { ...standing(state), phase: 'joined', retries: 0, outbox }, effects: [entered] };
      }
      return {
        state: { ...standing(state), phase: 'joined', retries: 0, stored: 0, outbox: { kind: 'idle' } },
        effects: [{ type: 'flushed' }, entered],
      };
    }
    case 'joinRefused': {
      if (state.phase !== 'joining' || input.link !== state.link) return ignore(state);
      const refused = { type: 'error', error: input.error } as const;
      if (finalCodes.has(input.error.code))
        return { state: { phase: 'closed' }, effects: [refused, { type: 'shutDown', error: input.error }] };
      // Anything else may pass (a store hiccup): join again after a while.
      return {
        state: { ...state, phase: 'retrying', retries: state.retries + 1 },
        effects: [refused, { type: 'wait', link: state.link, ms: backoffDelay(rejoinBackoff, state.retries) }],
      };
    }
    case 'waited':
      if (input.link !== state.link) return ignore(state);
      if (state.phase === 'retrying') return join(state, state.unsent);
      if (state.phase === 'joined' && state.outbox.kind === 'behind' && state.outbox.resync === 'rejoin') {
        // Leave and join again: the hub's handshake then asks for everything it lacks.
        const link = state.link + 1;
        return { state: { ...standing(state), phase: 'leaving', link, unsent: state.outbox.unsent }, effects: [{ type: 'leave', link }] };
      }
      return ignore(state);
    case 'left':
      return state.phase === 'leaving' && input.link === state.link ? join(state, state.unsent) : ignore(state);
    case 'leaveRefused':
      // Still in the case on the hub: try again later.
      if (state.phase !== 'leaving' || input.link !== state.link) return ignore(state);
      return resyncLater(state, state.unsent);
    case 'edit':
      return edit(state, input.update, input.undoable ? 1 : 0);
    case 'stored':
    case 'editRefused': {
      if (state.phase !== 'joined' || state.outbox.kind !== 'sending' || input.link !== state.link) return ignore(state);
      const { outbox } = state;
      if (input.type === 'stored') return sendHeld({ ...state, stored: state.stored + editsIn(outbox.flight) }, outbox);
      return refusedEdit(state, outbox, input.error);
    }
    case 'handshake':
      if (state.phase !== 'joined' || state.outbox.kind !== 'behind') return ignore(state);
      return send(state, [input.missing], state.outbox.unsent.edits, 'step2');
    case 'remote':
      return { state, effects: state.phase === 'joined' ? [{ type: 'apply', update: input.update }] : [] };
    case 'tokenRefreshed':
      // Changes refused while the token was expired go now, through a resync.
      if (state.phase !== 'joined' || state.outbox.kind !== 'behind' || state.outbox.resync !== 'freshToken') return ignore(state);
      return {
        state: { ...state, outbox: { ...state.outbox, resync: 'rejoin' } },
        effects: [{ type: 'wait', link: state.link, ms: 0 }],
      };
    case 'refused':
      return {
        state: { phase: 'closed' },
        effects: [
          { type: 'error', error: input.error },
          { type: 'shutDown', error: input.error },
        ],
      };
    case 'close':
      // The leave is not awaited: the hub may be gone already, and it forgets the case with the socket anyway.
      return {
        state: { phase: 'closed' },
        effects: [{ type: 'shutDown', error: null }, ...(state.phase === 'joined' ? [{ type: 'leave', link: null } as const] : [])],
      };
  }
}

/** The input does not apply to this state (an answer from an earlier link, a repeat): nothing happens. */
function ignore<Answer>(state: SessionState): SessionDecision<Answer> {
  return { state, effects: [] };
}

function standing(state: Open): Standing {
  return { link: state.link, stored: state.stored, retries: state.retries };
}

function join<Answer>(state: Open, unsent: Unsent | null): SessionDecision<Answer> {
  const link = state.link + 1;
  return { state: { ...standing(state), phase: 'joining', link, unsent }, effects: [{ type: 'join', link }] };
}

function editsIn(flight: Flight): number {
  return flight.carries === 'changes' ? flight.edits : 0;
}

function addUnsent(unsent: Unsent | null, edits: number): Unsent {
  return { edits: (unsent?.edits ?? 0) + edits };
}

/** What the hub lacks once the connection is gone: everything not known to be stored. */
function unsentOf(state: Open): Unsent | null {
  if (state.phase !== 'joined') return state.unsent;
  const { outbox } = state;
  if (outbox.kind === 'idle') return null;
  if (outbox.kind === 'behind') return outbox.unsent;
  return { edits: editsIn(outbox.flight) + outbox.heldEdits };
}

/**
 * A change made here. One message is in flight at a time: changes made before its answer are
 * held and then sent merged, so a change waits at most one round trip, and a burst of them costs
 * the hub and everyone in the room one message per round trip instead of one per keystroke.
 */
function edit<Answer>(state: Open, update: Uint8Array, edits: number): SessionDecision<Answer> {
  if (state.phase !== 'joined') return { state: { ...state, unsent: addUnsent(state.unsent, edits) }, effects: [] };
  const { outbox } = state;
  switch (outbox.kind) {
    case 'idle':
      return send(state, [update], edits, 'update');
    case 'sending':
      return {
        state: { ...state, outbox: { ...outbox, held: [...outbox.held, update], heldEdits: outbox.heldEdits + edits } },
        effects: [],
      };
    case 'behind':
      // A resync is coming: its handshake sends this with everything else the hub lacks. Sent
      // now, it would arrive before what it builds on.
      return { state: { ...state, outbox: { ...outbox, unsent: addUnsent(outbox.unsent, edits) } }, effects: [] };
  }
}

function send<Answer>(state: Joined, updates: Uint8Array[], edits: number, as: 'update' | 'step2'): SessionDecision<Answer> {
  const flight: Flight = { carries: 'changes', updates, edits };
  return {
    state: { ...state, outbox: { kind: 'sending', flight, held: [], heldEdits: 0 } },
    effects: [{ type: 'send', link: state.link, updates, as }],
  };
}

/** The flight is answered: what was held goes next, or, with nothing held, every change is stored. */
function sendHeld<Answer>(state: Joined, { held, heldEdits }: Sending): SessionDecision<Answer> {
  if (held.length > 0) return send(state, held, heldEdits, 'update');
  // Nothing left to take back: the edits kept for it are forgotten.
  return { state: { ...state, stored: 0, outbox: { kind: 'idle' } }, effects: [{ type: 'flushed' }] };
}

/** The hub refused the flight: it is reported once the outbox is settled. */
function refusedEdit<Answer>(state: Joined, outbox: Sending, error: CaseroomError): SessionDecision<Answer> {
  const { flight, held, heldEdits } = outbox;
  const refused = { type: 'error', error } as const;
  const unsent: Unsent = { edits: editsIn(flight) + heldEdits };
  if (resendCodes.has(error.code)) {
    const later = resyncLater<Answer>(state, unsent);
    return { state: later.state, effects: [...later.effects, refused] };
  }
  // Sent again by the resync that follows the fresh token (see tokenRefreshed).
  if (error.code === 'token_expired')
    return { state: { ...state, outbox: { kind: 'behind', unsent, resync: 'freshToken' } }, effects: [refused] };
  if (!takeBackCodes.has(error.code)) {
    // Refused for another reason (too large, not joined on the hub): the hub will not have it; what was held goes on.
    const next = sendHeld<Answer>(state, outbox);
    return { state: next.state, effects: [...next.effects, refused] };
  }
  if (flight.carries === 'takeBack' || flight.edits === 0) {
    // It carried no edit of ours to take back (an earlier take-back): this replica cannot be made the hub's again.
    const lost = new CaseroomError(error.code, 'This copy of the case cannot be reconciled with the hub; open the case again');
    return { state: { phase: 'closed' }, effects: [refused, { type: 'error', error: lost }, { type: 'shutDown', error: null }] };
  }
  // Every edit the hub has not stored is undone, and the undoing goes with what it undoes, which
  // the hub takes as one edit that leaves its document as it was. Held edits go too: they may
  // build on the refused one.
  return {
    state: { ...state, outbox: { kind: 'sending', flight: { carries: 'takeBack' }, held: [], heldEdits: 0 } },
    effects: [{ type: 'takeBack', link: state.link, keep: state.stored, refused: [...flight.updates, ...held] }, refused],
  };
}

/** A session behind the hub leaves and rejoins after the backoff; `flushed()` waits until then. */
function resyncLater<Answer>(state: Open, unsent: Unsent): SessionDecision<Answer> {
  return {
    state: { ...standing(state), phase: 'joined', retries: state.retries + 1, outbox: { kind: 'behind', unsent, resync: 'rejoin' } },
    effects: [{ type: 'wait', link: state.link, ms: backoffDelay(rejoinBackoff, state.retries) }],
  };
}
