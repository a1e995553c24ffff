/**
 * The session machine on its own, with no socket: every phase against every input, the order of
 * the message in flight and the changes held behind it, the take-back of a refused edit, the
 * resync after a passing refusal, and what becomes of unacknowledged changes when the connection
 * drops. Updates are opaque bytes here; the join answer is a string.
 */
import { CaseroomError, type ErrorCode } from '@caseroom/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../helpers/fuzz.js';
import {
  awaitsHandshake,
  decideSession,
  initialSession,
  isFlushed,
  statusOf,
  type SessionDecision,
  type SessionInput,
  type SessionState,
} from '../../client-sdk/src/sessionMachine.js';

type Input = SessionInput<string>;

const decide = (state: SessionState, input: Input): SessionDecision<string> => decideSession(state, input);

/** Feeds `inputs` one after the other; returns the last state and every effect, in order. */
function run(state: SessionState, ...inputs: Input[]): SessionDecision<string> {
  const effects: SessionDecision<string>['effects'] = [];
  for (const input of inputs) {
    const decision = decide(state, input);
    state = decision.state;
    effects.push(...decision.effects);
  }
  return { state, effects };
}

const update = (n: number): Uint8Array => new Uint8Array([n]);
const refusal = (code: ErrorCode): CaseroomError => new CaseroomError(code);
const edit = (n: number, undoable = true): Input => ({ type: 'edit', update: update(n), undoable });

// One state of each kind, as the tests below reach them.
const offline: SessionState = { phase: 'offline', link: 3, stored: 0, retries: 0, unsent: null };
const offlineWithEdits: SessionState = { phase: 'offline', link: 3, stored: 1, retries: 0, unsent: { edits: 2 } };
const joining: SessionState = { phase: 'joining', link: 4, stored: 0, retries: 0, unsent: null };
const joiningWithEdits: SessionState = { phase: 'joining', link: 4, stored: 1, retries: 0, unsent: { edits: 2 } };
const retrying: SessionState = { phase: 'retrying', link: 4, stored: 0, retries: 2, unsent: null };
const idle: SessionState = { phase: 'joined', link: 4, stored: 0, retries: 0, outbox: { kind: 'idle' } };
const sending: SessionState = {
  phase: 'joined',
  link: 4,
  stored: 1,
  retries: 0,
  outbox: { kind: 'sending', flight: { carries: 'changes', updates: [update(1)], edits: 1 }, held: [update(2), update(3)], heldEdits: 2 },
};
const sendingTakeBack: SessionState = {
  phase: 'joined',
  link: 4,
  stored: 1,
  retries: 0,
  outbox: { kind: 'sending', flight: { carries: 'takeBack' }, held: [], heldEdits: 0 },
};
const behind = (resync: 'handshake' | 'freshToken' | 'rejoin'): SessionState => ({
  phase: 'joined',
  link: 4,
  stored: 1,
  retries: 1,
  outbox: { kind: 'behind', unsent: { edits: 2 }, resync },
});
const leaving: SessionState = { phase: 'leaving', link: 5, stored: 1, retries: 1, unsent: { edits: 2 } };
const closed: SessionState = { phase: 'closed' };

const states: Record<string, SessionState> = {
  offline,
  offlineWithEdits,
  joining,
  joiningWithEdits,
  retrying,
  idle,
  sending,
  sendingTakeBack,
  behindForHandshake: behind('handshake'),
  behindForFreshToken: behind('freshToken'),
  behindForRejoin: behind('rejoin'),
  leaving,
  closed,
};

/** Every kind of input, answers naming `link`. */
function inputs(link: number): Record<string, Input> {
  return {
    connect: { type: 'connect' },
    disconnect: { type: 'disconnect' },
    joined: { type: 'joined', link, answer: 'answer' },
    joinRefusedForNow: { type: 'joinRefused', link, error: refusal('store_unavailable') },
    joinRefusedForGood: { type: 'joinRefused', link, error: refusal('unknown_case') },
    edit: edit(9),
    changeNotOurs: edit(9, false),
    stored: { type: 'stored', link },
    refusedForNow: { type: 'editRefused', link, error: refusal('rate_limited') },
    refusedMissingHistory: { type: 'editRefused', link, error: refusal('missing_history') },
    refusedForGood: { type: 'editRefused', link, error: refusal('invalid_document') },
    refusedForgedAuthor: { type: 'editRefused', link, error: refusal('forged_author') },
    refusedTokenExpired: { type: 'editRefused', link, error: refusal('token_expired') },
    refusedOtherwise: { type: 'editRefused', link, error: refusal('payload_too_large') },
    handshake: { type: 'handshake', missing: update(7) },
    remote: { type: 'remote', update: update(8) },
    waited: { type: 'waited', link },
    left: { type: 'left', link },
    leaveRefused: { type: 'leaveRefused', link },
    tokenRefreshed: { type: 'tokenRefreshed' },
    refused: { type: 'refused', error: refusal('token_revoked') },
    close: { type: 'close' },
  };
}

const linkOf = (state: SessionState): number => (state.phase === 'closed' ? 0 : state.link);
const answersALink = (input: Input): boolean => 'link' in input;
const unchanged = (state: SessionState) => ({ state, effects: [] });

describe('every phase against every input', () => {
  for (const [stateName, state] of Object.entries(states)) {
    for (const [inputName, input] of Object.entries(inputs(linkOf(state)))) {
      it(`${stateName} × ${inputName}: the status follows the phase, links are current, edits are settled before anyone hears`, () => {
        const { state: next, effects } = decide(state, input);
        const announced = effects.filter((effect) => effect.type === 'status');
        if (statusOf(next) === statusOf(state)) expect(announced).toEqual([]);
        else expect(effects.at(-1)).toEqual({ type: 'status', status: statusOf(next) });
        expect(announced.length).toBeLessThanOrEqual(1);
        // Whatever goes to the hub goes on the link the new state listens on.
        for (const effect of effects)
          if (
            effect.type === 'send' ||
            effect.type === 'takeBack' ||
            effect.type === 'join' ||
            effect.type === 'wait' ||
            effect.type === 'leave'
          )
            expect(effect.link ?? linkOf(next)).toBe(linkOf(next));
        if (effects.some((effect) => effect.type === 'flushed')) expect(isFlushed(next)).toBe(true);
        // A listener that edits at once must find the edits settled, not have its edit forgotten or undone.
        const types = effects.map((effect) => effect.type);
        const firstHeard = types.findIndex((type) => type === 'enter' || type === 'error' || type === 'status');
        if (firstHeard >= 0) expect(types.slice(firstHeard)).not.toContain('flushed');
        if (firstHeard >= 0) expect(types.slice(firstHeard)).not.toContain('takeBack');
      });
    }
  }

  it('ignores everything once closed', () => {
    for (const input of Object.values(inputs(0))) expect(decide(closed, input)).toEqual(unchanged(closed));
  });

  it('ignores answers and waits that name an earlier or a later link', () => {
    for (const state of Object.values(states)) {
      if (state.phase === 'closed') continue;
      for (const link of [state.link - 1, state.link + 1])
        for (const input of Object.values(inputs(link)).filter(answersALink)) expect(decide(state, input)).toEqual(unchanged(state));
    }
  });

  it('maps phases to statuses: offline, connecting while joining, retrying or leaving, synced only when joined', () => {
    expect(Object.fromEntries(Object.entries(states).map(([name, state]) => [name, statusOf(state)]))).toEqual({
      offline: 'offline',
      offlineWithEdits: 'offline',
      joining: 'connecting',
      joiningWithEdits: 'connecting',
      retrying: 'connecting',
      idle: 'synced',
      sending: 'synced',
      sendingTakeBack: 'synced',
      behindForHandshake: 'synced',
      behindForFreshToken: 'synced',
      behindForRejoin: 'synced',
      leaving: 'connecting',
      closed: 'closed',
    });
  });
});

describe('joining', () => {
  it('starts offline, and joins on a new link when the socket connects', () => {
    expect(initialSession).toMatchObject({ phase: 'offline', unsent: null });
    const { state, effects } = decide(offline, { type: 'connect' });
    expect(state).toEqual({ ...offline, phase: 'joining', link: 4 });
    expect(effects).toEqual([
      { type: 'join', link: 4 },
      { type: 'status', status: 'connecting' },
    ]);
  });

  it('does not join twice on one connection', () => {
    for (const state of [joining, retrying, idle, sending, behind('rejoin'), leaving])
      expect(decide(state, { type: 'connect' })).toEqual(unchanged(state));
  });

  it('enters the case on the answer, with nothing to send: flushed and synced', () => {
    const { state, effects } = decide(joining, { type: 'joined', link: 4, answer: 'answer' });
    expect(state).toEqual({ phase: 'joined', link: 4, stored: 0, retries: 0, outbox: { kind: 'idle' } });
    expect(effects).toEqual([{ type: 'flushed' }, { type: 'enter', answer: 'answer' }, { type: 'status', status: 'synced' }]);
  });

  it('enters the case behind the hub when changes were made meanwhile, and waits for its handshake', () => {
    const { state, effects } = decide(joiningWithEdits, { type: 'joined', link: 4, answer: 'answer' });
    expect(state).toEqual({
      phase: 'joined',
      link: 4,
      stored: 1,
      retries: 0,
      outbox: { kind: 'behind', unsent: { edits: 2 }, resync: 'handshake' },
    });
    expect(effects).toEqual([
      { type: 'enter', answer: 'answer' },
      { type: 'status', status: 'synced' },
    ]);
    expect(isFlushed(state)).toBe(false);
    expect(awaitsHandshake(state)).toBe(true);
  });

  it('closes on a refusal retrying cannot help, rejecting `synced` with it', () => {
    for (const code of ['unknown_case', 'forbidden', 'invalid_token', 'token_revoked', 'unauthenticated'] as const) {
      const error = refusal(code);
      expect(decide(joining, { type: 'joinRefused', link: 4, error })).toEqual({
        state: closed,
        effects: [
          { type: 'error', error },
          { type: 'shutDown', error },
          { type: 'status', status: 'closed' },
        ],
      });
    }
  });

  it('joins again after a backoff on any other refusal, doubling the wait each time until it joins', () => {
    const error = refusal('store_unavailable');
    let state: SessionState = joining;
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const link = linkOf(state);
      const refused = decide(state, { type: 'joinRefused', link, error });
      expect(refused.state.phase).toBe('retrying');
      expect(refused.effects).toEqual([{ type: 'error', error }, expect.objectContaining({ type: 'wait', link })]);
      waits.push(refused.effects.flatMap((effect) => (effect.type === 'wait' ? [effect.ms] : []))[0]!);
      const again = decide(refused.state, { type: 'waited', link });
      expect(again.effects).toEqual([{ type: 'join', link: link + 1 }]);
      state = again.state;
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    // A join that works starts the count again.
    const joined = decide(state, { type: 'joined', link: linkOf(state), answer: 'answer' }).state;
    expect(joined).toMatchObject({ phase: 'joined', retries: 0 });
  });

  it('keeps changes made while joining or retrying for the handshake', () => {
    expect(run(joining, edit(1), edit(2, false)).state).toEqual({ ...joining, unsent: { edits: 1 } });
    expect(run(retrying, edit(1)).state).toEqual({ ...retrying, unsent: { edits: 1 } });
  });
});

describe('sending local changes', () => {
  it('sends a change at once when nothing is in flight', () => {
    const { state, effects } = decide(idle, edit(1));
    expect(effects).toEqual([{ type: 'send', link: 4, updates: [update(1)], as: 'update' }]);
    expect(state).toMatchObject({ outbox: { kind: 'sending', flight: { carries: 'changes', updates: [update(1)], edits: 1 }, held: [] } });
    expect(isFlushed(state)).toBe(false);
  });

  it('holds changes made while one is in flight, and sends them together once it is stored', () => {
    const burst = run(idle, edit(1), edit(2), edit(3, false), edit(4));
    expect(burst.effects).toEqual([{ type: 'send', link: 4, updates: [update(1)], as: 'update' }]);
    expect(burst.state).toMatchObject({ outbox: { held: [update(2), update(3), update(4)], heldEdits: 2 } });

    const first = decide(burst.state, { type: 'stored', link: 4 });
    expect(first.effects).toEqual([{ type: 'send', link: 4, updates: [update(2), update(3), update(4)], as: 'update' }]);
    expect(first.state).toMatchObject({ stored: 1, outbox: { kind: 'sending', flight: { edits: 2 }, held: [] } });

    const second = decide(first.state, { type: 'stored', link: 4 });
    expect(second).toEqual({ state: idle, effects: [{ type: 'flushed' }] });
  });

  it('counts as stored the edits of each stored message, and forgets them all once everything is stored', () => {
    const { state } = decide(sending, { type: 'stored', link: 4 });
    expect(state).toMatchObject({ stored: 2, outbox: { flight: { edits: 2 } } });
    expect(decide(state, { type: 'stored', link: 4 }).state).toMatchObject({ stored: 0, outbox: { kind: 'idle' } });
  });

  it('applies what the hub sends only while in the case', () => {
    expect(decide(idle, { type: 'remote', update: update(8) }).effects).toEqual([{ type: 'apply', update: update(8) }]);
    expect(decide(sending, { type: 'remote', update: update(8) }).effects).toEqual([{ type: 'apply', update: update(8) }]);
    for (const state of [offline, joining, retrying, leaving, closed])
      expect(decide(state, { type: 'remote', update: update(8) })).toEqual(unchanged(state));
  });
});

describe('an edit the hub refuses for good', () => {
  for (const code of ['invalid_document', 'forged_author'] as const) {
    it(`takes back every edit not stored, held ones too, after ${code}, and sends the undoing with what it undoes`, () => {
      const error = refusal(code);
      const { state, effects } = decide(sending, { type: 'editRefused', link: 4, error });
      expect(effects).toEqual([
        { type: 'takeBack', link: 4, keep: 1, refused: [update(1), update(2), update(3)] },
        { type: 'error', error },
      ]);
      expect(state).toEqual({ ...sending, outbox: { kind: 'sending', flight: { carries: 'takeBack' }, held: [], heldEdits: 0 } });
      // Edits made while the take-back is in flight wait behind it.
      const later = run(state, edit(4), { type: 'stored', link: 4 });
      expect(later.effects).toEqual([{ type: 'send', link: 4, updates: [update(4)], as: 'update' }]);
      expect(later.state).toMatchObject({ stored: 1, outbox: { flight: { edits: 1 } } });
    });
  }

  it('closes when the refused message carried no edit of ours to take back', () => {
    const error = refusal('invalid_document');
    const lost = expect.objectContaining({ code: 'invalid_document', message: expect.stringMatching(/cannot be reconciled/) });
    const expected = {
      state: closed,
      effects: [
        { type: 'error', error },
        { type: 'error', error: lost },
        { type: 'shutDown', error: null },
        { type: 'status', status: 'closed' },
      ],
    };
    expect(decide(sendingTakeBack, { type: 'editRefused', link: 4, error })).toEqual(expected);
    const notOurs = run(idle, edit(1, false)).state;
    expect(decide(notOurs, { type: 'editRefused', link: 4, error })).toEqual(expected);
  });
});

describe('an edit the hub refuses for now', () => {
  for (const code of ['rate_limited', 'store_unavailable', 'missing_history'] as const) {
    it(`resyncs after ${code}: holds every change until a rejoin, whose handshake sends them all in one message`, () => {
      const error = refusal(code);
      const refused = decide(sending, { type: 'editRefused', link: 4, error });
      expect(refused.effects).toEqual([
        { type: 'wait', link: 4, ms: 500 },
        { type: 'error', error },
      ]);
      expect(refused.state).toEqual({ ...sending, retries: 1, outbox: { kind: 'behind', unsent: { edits: 3 }, resync: 'rejoin' } });

      // Changes made meanwhile would arrive before what they build on: they wait for the handshake.
      const meanwhile = run(refused.state, edit(4), edit(5, false));
      expect(meanwhile.effects).toEqual([]);
      expect(meanwhile.state).toMatchObject({ outbox: { unsent: { edits: 4 } } });

      const leave = decide(meanwhile.state, { type: 'waited', link: 4 });
      expect(leave.state).toEqual({ phase: 'leaving', link: 5, stored: 1, retries: 1, unsent: { edits: 4 } });
      expect(leave.effects).toEqual([
        { type: 'leave', link: 5 },
        { type: 'status', status: 'connecting' },
      ]);

      const rejoin = run(leave.state, { type: 'left', link: 5 }, { type: 'joined', link: 6, answer: 'answer' });
      expect(rejoin.effects).toEqual([
        { type: 'join', link: 6 },
        { type: 'enter', answer: 'answer' },
        { type: 'status', status: 'synced' },
      ]);
      expect(awaitsHandshake(rejoin.state)).toBe(true);

      const handshake = decide(rejoin.state, { type: 'handshake', missing: update(7) });
      expect(handshake.effects).toEqual([{ type: 'send', link: 6, updates: [update(7)], as: 'step2' }]);
      expect(handshake.state).toMatchObject({ outbox: { flight: { carries: 'changes', edits: 4 } } });
      expect(decide(handshake.state, { type: 'stored', link: 6 })).toEqual({
        state: { phase: 'joined', link: 6, stored: 0, retries: 0, outbox: { kind: 'idle' } },
        effects: [{ type: 'flushed' }],
      });
    });
  }

  it('stays in the case and tries again later when the hub refuses the leave', () => {
    const { state, effects } = decide(leaving, { type: 'leaveRefused', link: 5 });
    expect(state).toEqual({
      phase: 'joined',
      link: 5,
      stored: 1,
      retries: 2,
      outbox: { kind: 'behind', unsent: { edits: 2 }, resync: 'rejoin' },
    });
    expect(effects).toEqual([
      { type: 'wait', link: 5, ms: 1000 },
      { type: 'status', status: 'synced' },
    ]);
  });

  it('waits for a fresh token after token_expired, then resyncs at once', () => {
    const error = refusal('token_expired');
    const refused = decide(sending, { type: 'editRefused', link: 4, error });
    expect(refused.effects).toEqual([{ type: 'error', error }]);
    expect(refused.state).toEqual({ ...sending, outbox: { kind: 'behind', unsent: { edits: 3 }, resync: 'freshToken' } });
    expect(decide(refused.state, { type: 'waited', link: 4 })).toEqual(unchanged(refused.state));

    const refreshed = decide(refused.state, { type: 'tokenRefreshed' });
    expect(refreshed.effects).toEqual([{ type: 'wait', link: 4, ms: 0 }]);
    expect(decide(refreshed.state, { type: 'waited', link: 4 }).effects).toEqual([
      { type: 'leave', link: 5 },
      { type: 'status', status: 'connecting' },
    ]);
  });

  it('needs no fresh token to resync anywhere else', () => {
    for (const state of [offline, joining, idle, sending, behind('handshake'), behind('rejoin'), leaving])
      expect(decide(state, { type: 'tokenRefreshed' })).toEqual(unchanged(state));
  });

  it('lets other refusals pass: the refused message is not resent, what was held goes on', () => {
    const error = refusal('payload_too_large');
    expect(decide(sending, { type: 'editRefused', link: 4, error })).toEqual({
      state: {
        ...sending,
        outbox: { kind: 'sending', flight: { carries: 'changes', updates: [update(2), update(3)], edits: 2 }, held: [], heldEdits: 0 },
      },
      effects: [
        { type: 'send', link: 4, updates: [update(2), update(3)], as: 'update' },
        { type: 'error', error },
      ],
    });
    const alone = run(idle, edit(1), { type: 'editRefused', link: 4, error });
    expect(alone.state).toEqual(idle);
    expect(alone.effects.slice(1)).toEqual([{ type: 'flushed' }, { type: 'error', error }]);
  });
});

describe('the sync handshake', () => {
  it('answers the hub only when it lacks something', () => {
    for (const state of [idle, sending, offline, joining, leaving]) {
      expect(awaitsHandshake(state)).toBe(false);
      expect(decide(state, { type: 'handshake', missing: update(7) })).toEqual(unchanged(state));
    }
    for (const resync of ['handshake', 'freshToken', 'rejoin'] as const) {
      expect(awaitsHandshake(behind(resync))).toBe(true);
      expect(decide(behind(resync), { type: 'handshake', missing: update(7) }).effects).toEqual([
        { type: 'send', link: 4, updates: [update(7)], as: 'step2' },
      ]);
    }
  });
});

describe('a dropped connection', () => {
  it('keeps the message in flight and the held changes for the handshake after the reconnect', () => {
    const dropped = decide(sending, { type: 'disconnect' });
    expect(dropped.state).toEqual({ phase: 'offline', link: 4, stored: 1, retries: 0, unsent: { edits: 3 } });
    expect(dropped.effects).toEqual([{ type: 'clearAwareness' }, { type: 'status', status: 'offline' }]);
    // An answer to the message in flight that still comes counts for nothing.
    expect(decide(dropped.state, { type: 'stored', link: 4 })).toEqual(unchanged(dropped.state));

    const back = run(dropped.state, edit(4), { type: 'connect' }, { type: 'joined', link: 5, answer: 'answer' });
    expect(back.effects).toEqual([
      { type: 'join', link: 5 },
      { type: 'status', status: 'connecting' },
      { type: 'enter', answer: 'answer' },
      { type: 'status', status: 'synced' },
    ]);
    const handshake = decide(back.state, { type: 'handshake', missing: update(7) });
    expect(handshake.effects).toEqual([{ type: 'send', link: 5, updates: [update(7)], as: 'step2' }]);
    expect(handshake.state).toMatchObject({ stored: 1, outbox: { flight: { edits: 4 } } });
  });

  it('keeps what it had unsent in every other phase, and forgets nothing stored', () => {
    expect(decide(idle, { type: 'disconnect' }).state).toEqual({ phase: 'offline', link: 4, stored: 0, retries: 0, unsent: null });
    expect(decide(behind('rejoin'), { type: 'disconnect' }).state).toEqual({
      phase: 'offline',
      link: 4,
      stored: 1,
      retries: 1,
      unsent: { edits: 2 },
    });
    expect(decide(sendingTakeBack, { type: 'disconnect' }).state).toMatchObject({ unsent: { edits: 0 } });
    expect(decide(joiningWithEdits, { type: 'disconnect' }).state).toEqual({ ...joiningWithEdits, phase: 'offline' });
    expect(decide(leaving, { type: 'disconnect' }).state).toEqual({ ...leaving, phase: 'offline' });
    expect(decide(offlineWithEdits, { type: 'disconnect' })).toEqual(unchanged(offlineWithEdits));
  });

  it('drops a wait that was under way: the reconnect joins anyway', () => {
    const dropped = decide(behind('rejoin'), { type: 'disconnect' }).state;
    const back = decide(dropped, { type: 'connect' }).state;
    expect(decide(back, { type: 'waited', link: 4 })).toEqual(unchanged(back));
  });

  it('keeps changes made offline for the first handshake', () => {
    expect(run(offline, edit(1), edit(2), edit(3, false)).state).toEqual({ ...offline, unsent: { edits: 2 } });
  });
});

describe('closing', () => {
  it('closes from every phase; leaves the case on the hub only from inside it', () => {
    for (const [name, state] of Object.entries(states)) {
      if (state.phase === 'closed') continue;
      const { state: next, effects } = decide(state, { type: 'close' });
      expect(next, name).toEqual(closed);
      expect(effects, name).toEqual([
        { type: 'shutDown', error: null },
        ...(state.phase === 'joined' ? [{ type: 'leave', link: null }] : []),
        { type: 'status', status: 'closed' },
      ]);
    }
  });

  it('closes from every phase when the hub refuses the connection, rejecting `synced` with why', () => {
    const error = refusal('token_revoked');
    for (const state of Object.values(states)) {
      if (state.phase === 'closed') continue;
      expect(decide(state, { type: 'refused', error })).toEqual({
        state: closed,
        effects: [
          { type: 'error', error },
          { type: 'shutDown', error },
          { type: 'status', status: 'closed' },
        ],
      });
    }
  });
});

/** Edits the machine accounts for: stored, in flight, held or unsent. */
function editsAccounted(state: SessionState): number {
  if (state.phase === 'closed') return 0;
  if (state.phase !== 'joined') return state.stored + (state.unsent?.edits ?? 0);
  const { outbox } = state;
  if (outbox.kind === 'idle') return state.stored;
  if (outbox.kind === 'behind') return state.stored + outbox.unsent.edits;
  return state.stored + (outbox.flight.carries === 'changes' ? outbox.flight.edits : 0) + outbox.heldEdits;
}

describe('whatever happens', () => {
  const codes: ErrorCode[] = [
    'rate_limited',
    'missing_history',
    'store_unavailable',
    'invalid_document',
    'forged_author',
    'token_expired',
    'payload_too_large',
    'unknown_case',
  ];
  /** Refusals of an edit that call for a resync or a take-back; after any other, that message is not sent again. */
  const handled: ErrorCode[] = [
    'rate_limited',
    'store_unavailable',
    'missing_history',
    'token_expired',
    'invalid_document',
    'forged_author',
  ];
  /** An input of a kind, or (`awaited`) the one the state waits for, as a hub and a network would send it. */
  type Step = { type: Input['type'] | 'awaited'; code: ErrorCode; stale: boolean; undoable: boolean; ok: boolean };
  function awaited(state: SessionState, ok: boolean): Input['type'] {
    switch (state.phase) {
      case 'offline':
        return 'connect';
      case 'joining':
        return ok ? 'joined' : 'joinRefused';
      case 'leaving':
        return ok ? 'left' : 'leaveRefused';
      case 'joined':
        if (state.outbox.kind === 'idle') return 'edit';
        if (state.outbox.kind === 'sending') return ok ? 'stored' : 'editRefused';
        return state.outbox.resync === 'handshake' ? 'handshake' : state.outbox.resync === 'freshToken' ? 'tokenRefreshed' : 'waited';
      default:
        return 'waited';
    }
  }
  /** The input `step` stands for, fed to `state`: answers name its link, or (stale) the one before. */
  function inputFor(step: Step, state: SessionState): Input {
    const { code, stale, undoable } = step;
    const link = linkOf(state) - (stale ? 1 : 0);
    const type = step.type === 'awaited' ? awaited(state, step.ok) : step.type;
    switch (type) {
      case 'joined':
        return { type, link, answer: 'answer' };
      case 'joinRefused':
      case 'editRefused':
        return { type, link, error: refusal(code) };
      case 'stored':
      case 'waited':
      case 'left':
      case 'leaveRefused':
        return { type, link };
      case 'edit':
        return edit(1, undoable);
      case 'handshake':
        return { type, missing: update(7) };
      case 'remote':
        return { type, update: update(8) };
      case 'refused':
        return { type, error: refusal('token_revoked') };
      default:
        return { type };
    }
  }
  /** How often each input comes, out of about a thousand: rarely one that ends the session, mostly edits and answers. */
  const weights: Record<Step['type'], number> = {
    awaited: 400,
    close: 2,
    refused: 2,
    connect: 60,
    disconnect: 20,
    tokenRefreshed: 20,
    edit: 250,
    handshake: 60,
    remote: 10,
    joined: 100,
    joinRefused: 20,
    stored: 150,
    editRefused: 100,
    waited: 60,
    left: 60,
    leaveRefused: 20,
  };
  const anyStep: fc.Arbitrary<Step> = fc.record({
    type: fc.oneof(...Object.entries(weights).map(([type, weight]) => ({ weight, arbitrary: fc.constant(type as Step['type']) }))),
    code: fc.constantFrom(...codes),
    stale: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    undoable: fc.boolean(),
    ok: fc.integer({ min: 0, max: 2 }).map((n) => n > 0),
  });

  it('accounts for every local edit until it is stored and forgotten, or taken back', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(fc.array(anyStep, { maxLength: 80, size: 'max' }), (steps) => {
        let state: SessionState = initialSession;
        for (const step of steps) {
          const input = inputFor(step, state);
          const { state: next, effects } = decide(state, input);
          const types = effects.map((effect) => effect.type);
          const flight = state.phase === 'joined' && state.outbox.kind === 'sending' ? state.outbox.flight : null;
          if (next.phase === 'closed') {
            reached.add('closed');
          } else if (types.includes('takeBack') && state.phase === 'joined') {
            // Only the stored edits are kept; the rest are undone.
            expect(editsAccounted(next)).toBe(state.stored);
            reached.add('takeBack');
          } else if (types.includes('flushed')) {
            expect(editsAccounted(next)).toBe(0);
            if (editsAccounted(state) > 0) reached.add('flushed with edits');
          } else if (input.type === 'editRefused' && !handled.includes(input.error.code) && flight && input.link === linkOf(state)) {
            // Refused for a reason that neither passes nor calls for a take-back: that message's edits are dropped.
            expect(editsAccounted(next)).toBe(editsAccounted(state) - (flight.carries === 'changes' ? flight.edits : 0));
          } else {
            const added = input.type === 'edit' && input.undoable ? 1 : 0;
            expect(editsAccounted(next)).toBe(editsAccounted(state) + added);
          }
          if (next.phase === 'joined' && next.outbox.kind === 'sending' && next.outbox.heldEdits > 1) reached.add('held');
          if (next.phase === 'leaving') reached.add('leaving');
          if (state.phase === 'offline' && state.unsent && next.phase === 'joining') reached.add('rejoined with unsent');
          // Nothing goes to the hub outside the case, and a flight is answered before the next.
          if (types.includes('send') || types.includes('takeBack'))
            expect(next).toMatchObject({ phase: 'joined', outbox: { kind: 'sending' } });
          expect(types.filter((type) => type === 'send' || type === 'takeBack').length).toBeLessThanOrEqual(1);
          state = next;
        }
      }),
      { numRuns: fuzzRuns(300), ...fuzzSeed },
    );
    // The sequences reach the states worth checking.
    expect([...reached].sort()).toEqual(['closed', 'flushed with edits', 'held', 'leaving', 'rejoined with unsent', 'takeBack']);
  });
});
