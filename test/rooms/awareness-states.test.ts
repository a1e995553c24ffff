/**
 * A room's awareness states follow y-protocols' Awareness to the letter: the same updates taken or
 * refused, the same states left, the same clients reported to the other participants.
 */
import { encodeAwarenessUpdate, decodeAwarenessUpdate, type AwarenessEntry } from '@caseroom/shared';
import fc from 'fast-check';
import * as awarenessProtocol from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { AwarenessStates, awarenessTimeoutMs } from '../../server/src/rooms/AwarenessStates.js';

type Step = { kind: 'apply'; entries: AwarenessEntry[] } | { kind: 'remove'; clientIds: number[] };

const clientId = fc.integer({ min: 1, max: 4 });
const entry: fc.Arbitrary<AwarenessEntry> = fc.record({
  clientId,
  clock: fc.integer({ min: 0, max: 4 }),
  state: fc.option(fc.record({ cursor: fc.integer({ min: 0, max: 9 }) }), { nil: null }),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('apply' as const), entries: fc.array(entry, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('remove' as const), clientIds: fc.uniqueArray(clientId, { maxLength: 3 }) }),
);

/** y-protocols' Awareness as a server keeps it (no local state), and what its `update` event reports. */
function reference(): { awareness: awarenessProtocol.Awareness; reported: () => number[] } {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState(null);
  let last: number[] = [];
  awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    last = [...added, ...updated, ...removed];
  });
  return {
    awareness,
    reported: () => {
      const reported = last;
      last = [];
      return reported;
    },
  };
}

const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);

describe('awareness states of a room', () => {
  it('take and refuse updates, remove states and report changes exactly as y-protocols does', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const ours = new AwarenessStates();
        const { awareness, reported } = reference();
        try {
          for (const s of steps) {
            let changed: number[];
            if (s.kind === 'apply') {
              changed = ours.apply(s.entries, Date.now());
              awarenessProtocol.applyAwarenessUpdate(awareness, encodeAwarenessUpdate(s.entries), 'test');
            } else {
              changed = ours.remove(s.clientIds);
              awarenessProtocol.removeAwarenessStates(awareness, s.clientIds, 'test');
            }
            const expected = reported();
            expect(sorted(changed)).toEqual(sorted(expected));
            expect(ours.states()).toEqual(awareness.getStates());
            // What others are told carries the same clocks and states.
            if (changed.length > 0) {
              expect(decodeAwarenessUpdate(ours.encode(changed))).toEqual(
                decodeAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(awareness, changed)),
              );
            }
          }
        } finally {
          awareness.destroy();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('drops a state its client has not renewed for the timeout, and keeps a renewed one', () => {
    const states = new AwarenessStates();
    const start = 1_000_000;
    states.apply(
      [
        { clientId: 1, clock: 1, state: { name: 'ann' } },
        { clientId: 2, clock: 1, state: { name: 'bob' } },
      ],
      start,
    );
    expect(states.expire(start + awarenessTimeoutMs / 2)).toEqual([]);
    states.apply([{ clientId: 2, clock: 2, state: { name: 'bob' } }], start + awarenessTimeoutMs / 2);
    expect(states.expire(start + awarenessTimeoutMs)).toEqual([1]);
    expect([...states.states().keys()]).toEqual([2]);
    // Others learn of the removal at the clock they know, with no state.
    expect(decodeAwarenessUpdate(states.encode([1]))).toEqual([{ clientId: 1, clock: 1, state: null }]);
    expect(states.snapshot()).toEqual(encodeAwarenessUpdate([{ clientId: 2, clock: 2, state: { name: 'bob' } }]));
  });

  it('has no snapshot while nobody announced a state', () => {
    const states = new AwarenessStates();
    expect(states.snapshot()).toBeNull();
    states.apply([{ clientId: 7, clock: 3, state: null }], 0);
    expect(states.snapshot()).toBeNull();
  });
});
