/**
 * Names for user ids, wherever the console shows a person. The case document names people by id
 * only (a step's assignee, a fact's author) and the roster knows only who is in the room now, so
 * names come from the team's directory (everyone who has signed in, `GET /api/people`, which
 * survives a hub restart) and from whoever the console has seen meanwhile: the room's roster, the
 * owner, the actors of a case's events.
 */
import { owningRoles } from '@caseroom/client';
import type { HubApi, Identity } from './api.js';
import { h } from './dom.js';

export interface KnownPerson {
  userId: string;
  name: string;
  role: string;
  /** known for people of a directory and for the signed-in person */
  team?: string;
}

/** Whether a person of this role may own a case (specialists join, bots never own). */
export function mayOwn(role: string): boolean {
  return (owningRoles as readonly string[]).includes(role);
}

/** People listed once each (the first mention wins), by name. */
export function byName(people: Iterable<KnownPerson>): KnownPerson[] {
  const unique = new Map<string, KnownPerson>();
  for (const person of people) if (!unique.has(person.userId)) unique.set(person.userId, person);
  return [...unique.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/** A directory read this recently is not read again when a case opens. */
const freshForMs = 10_000;

export class People {
  private readonly known = new Map<string, KnownPerson>();
  /** team -> its directory's last read (or the read under way), and when it started */
  private readonly directories = new Map<string, { reading: Promise<void>; at: number }>();
  private readonly listeners = new Set<() => void>();
  private announcing = false;

  constructor(
    private readonly api: HubApi,
    me: Identity,
  ) {
    this.learn([{ userId: me.userId, name: me.name, role: me.role, team: me.team }]);
    void this.loadTeam(me.team);
  }

  /**
   * Reads a team's directory once, or again when `fresh` and the last read is more than a few
   * seconds old; listeners hear of the names it brings. A directory that cannot be read (offline,
   * a token without the people scope) leaves the names known so far, without a notice.
   */
  loadTeam(team: string, fresh = false): Promise<void> {
    const last = this.directories.get(team);
    if (last && !(fresh && Date.now() - last.at > freshForMs)) return last.reading;
    const reading = this.api.people(team).then(
      (people) => this.learn(people),
      () => {
        this.directories.delete(team);
      },
    );
    this.directories.set(team, { reading, at: Date.now() });
    return reading;
  }

  /**
   * Remembers people seen elsewhere (the roster, the owner: as they are now, a change of name is
   * news too); `onlyNew` for what may be old (the actors of past events), which never overrides.
   */
  learn(people: Iterable<KnownPerson>, { onlyNew = false } = {}): void {
    let changed = false;
    for (const person of people) {
      const known = this.known.get(person.userId);
      if (known && onlyNew) continue;
      if (known && known.name === person.name && known.role === person.role && (person.team ?? known.team) === known.team) continue;
      const team = person.team ?? known?.team;
      this.known.set(person.userId, { userId: person.userId, name: person.name, role: person.role, ...(team ? { team } : {}) });
      changed = true;
    }
    if (changed) this.announce();
  }

  /** The person's name; the id only for someone the hub has never seen sign in. */
  nameOf(userId: string): string {
    return this.known.get(userId)?.name ?? userId;
  }

  /** A person's name in an element that follows the directory when it learns the name later. */
  nameElement(userId: string, attrs: Record<string, string> = {}): HTMLElement {
    return h('span', { class: 'person', 'data-user-id': userId, ...attrs }, this.nameOf(userId));
  }

  /** Puts the current names into every `nameElement` under `root`. */
  refreshNames(root: ParentNode): void {
    for (const element of root.querySelectorAll<HTMLElement>('span.person[data-user-id]'))
      element.textContent = this.nameOf(element.dataset.userId!);
  }

  /** Everyone known to be of `team`, by name. */
  ofTeam(team: string): KnownPerson[] {
    return byName([...this.known.values()].filter((person) => person.team === team));
  }

  /** Calls `listener` when names were learnt; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Once per burst of learning: a roster of ten is one re-render, not ten. */
  private announce(): void {
    if (this.announcing) return;
    this.announcing = true;
    queueMicrotask(() => {
      this.announcing = false;
      for (const listener of this.listeners) listener();
    });
  }
}
