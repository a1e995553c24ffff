/**
 * The store contract for a team's directory, on SQLite and on Redis alike: everyone remembered as
 * a member of a team, by name, following a person who signs in again with another team.
 */
import { describe, expect, it } from 'vitest';
import { testStore } from '../helpers/hub.js';
import { amy, ann, bob, otto, qaBot, sid } from '../helpers/people.js';
import { madeAt, minutesLater } from '../helpers/records.js';
import { freshStore, secondConnection } from '../helpers/store.js';

describe(`the ${testStore} store keeps the contract for a team's people`, () => {
  it('lists everyone remembered in a team, by name, with every claim they signed in with', async () => {
    const store = await freshStore();
    expect(await store.people.list('billing')).toEqual([]);
    for (const who of [sid, ann, qaBot, otto, bob, amy]) await store.people.remember(who, madeAt);
    expect(await store.people.list('billing')).toEqual([amy, ann, bob, qaBot, sid]);
    expect(await store.people.list('shipping')).toEqual([otto]);
    expect(await store.people.list('nobody-here')).toEqual([]);
    // Read through another connection, as a second hub node would.
    expect(await (await secondConnection(store)).people.list('billing')).toEqual([amy, ann, bob, qaBot, sid]);
  });

  it('lists everyone remembered, of every team, by name', async () => {
    const store = await freshStore();
    expect(await store.people.everyone()).toEqual([]);
    for (const who of [sid, ann, otto, amy]) await store.people.remember(who, madeAt);
    await store.people.remember({ ...ann, team: 'tech' }, minutesLater(1));
    expect(await store.people.everyone()).toEqual([amy, ann, otto, sid].map((who) => (who === ann ? { ...ann, team: 'tech' } : who)));
  });

  it('moves a person to the team of their latest sign-in, and keeps one entry however often they sign in', async () => {
    const store = await freshStore();
    await store.people.remember(ann, madeAt);
    await store.people.remember(ann, minutesLater(1));
    expect(await store.people.list('billing')).toEqual([ann]);
    const moved = { ...ann, name: 'Ann Shipping', team: 'shipping' };
    await store.people.remember(moved, minutesLater(2));
    expect(await store.people.list('billing')).toEqual([]);
    expect(await store.people.list('shipping')).toEqual([moved]);
    expect(await store.people.get('ann')).toEqual(moved);
  });

  it('keeps every person of racing sign-ins in exactly one team', async () => {
    const store = await freshStore();
    const other = await secondConnection(store);
    const teams = ['billing', 'shipping', 'tech'];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).people.remember({ ...ann, team: teams[i % 3]! }, minutesLater(i))),
    );
    const listed = await Promise.all(teams.map((team) => store.people.list(team)));
    const last = (await store.people.get('ann'))!.team;
    expect(listed.map((people) => people.length)).toEqual(teams.map((team) => (team === last ? 1 : 0)));
  });
});
