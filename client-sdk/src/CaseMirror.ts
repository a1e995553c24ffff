/**
 * What the hub has told a session about its case, kept current: the case record, who you are,
 * who is in the room, who owns the case and the case's approval requests. The hub is the
 * authority for all of it (none of it is CRDT state); the mirror only keeps the newest it heard,
 * ordered by the fencing epoch for ownership and by version for approvals, and announces changes.
 */
import {
  unowned,
  type Approval,
  type ApprovalUpdate,
  type CaseRecord,
  type ClientAnswer,
  type Ownership,
  type OwnershipChange,
  type Person,
  type RosterMember,
  type RosterUpdate,
} from '@caseroom/shared';

/** What the hub answers a join that it accepted. */
export type JoinAnswer = ClientAnswer<'case:join'> & { ok: true };

/** The owner of a case as the SDK shows it: who, and whether they are in the room right now. */
export interface CaseOwner extends Person {
  online: boolean;
}

export interface CaseMirrorEvents {
  /** who is in the room changed (`change` is null when the whole roster arrived on join) */
  roster: [members: RosterMember[], change: RosterUpdate['change'] | null];
  /** the owner or a handoff offer changed (`change` is null when the state arrived on join) */
  owner: [owner: CaseOwner | null, ownership: Ownership, change: OwnershipChange | null];
  /** the case record changed (status) */
  case: [record: CaseRecord];
  /** an approval request of this case opened or changed (`update` is null when the list arrived on join) */
  approvals: [approvals: Approval[], update: ApprovalUpdate | null];
}

export type Announce = <E extends keyof CaseMirrorEvents>(event: E, ...args: CaseMirrorEvents[E]) => void;

export class CaseMirror {
  private currentRecord: CaseRecord | null = null;
  private me: Person | null = null;
  private members: RosterMember[] = [];
  private currentOwnership: Ownership = unowned;
  private approvalList: Approval[] = [];

  constructor(private readonly announce: Announce) {}

  get record(): CaseRecord | null {
    return this.currentRecord;
  }

  get you(): Person | null {
    return this.me;
  }

  get roster(): RosterMember[] {
    return this.members;
  }

  get ownership(): Ownership {
    return this.currentOwnership;
  }

  /** The owner, online when they have a connection in the room. */
  get owner(): CaseOwner | null {
    const owner = this.currentOwnership.owner;
    if (!owner) return null;
    const member = this.members.find((m) => m.userId === owner.userId);
    return { ...owner, online: member !== undefined && member.connections > 0 };
  }

  get approvals(): Approval[] {
    return this.approvalList;
  }

  /** Everything a join brings, announced as arriving whole. */
  joined(answer: JoinAnswer): void {
    this.currentRecord = answer.case;
    this.me = answer.you;
    this.members = answer.roster;
    this.currentOwnership = answer.ownership;
    this.approvalList = answer.approvals;
    this.announce('approvals', this.approvalList, null);
    this.announce('roster', this.members, null);
    this.announce('owner', this.owner, this.currentOwnership, null);
  }

  rosterChanged(update: RosterUpdate): void {
    this.members = update.members;
    this.announce('roster', this.members, update.change);
    // The owner's online flag derives from the roster.
    if (this.currentOwnership.owner?.userId === update.change.userId) this.announce('owner', this.owner, this.currentOwnership, null);
  }

  /** Adopts `ownership` unless the epoch says it is older than what the mirror has. */
  ownershipChanged(ownership: Ownership, change: OwnershipChange | null): void {
    if (ownership.epoch <= this.currentOwnership.epoch) return;
    this.currentOwnership = ownership;
    this.announce('owner', this.owner, ownership, change);
  }

  /** The hub announced an approval request of this case, opened or changed. */
  approvalUpdated(update: ApprovalUpdate): void {
    if (this.adoptApproval(update.approval)) this.announce('approvals', this.approvalList, update);
  }

  /** The approval request a request of ours answered with; the hub's announcement of it is what gets announced. */
  approvalAnswered(approval: Approval): void {
    this.adoptApproval(approval);
  }

  /** The hub announced a change of the case record. */
  caseUpdated(record: CaseRecord): void {
    this.currentRecord = record;
    this.announce('case', record);
  }

  /** The case record a request of ours answered with. */
  caseAnswered(record: CaseRecord): void {
    this.currentRecord = record;
  }

  /** Keeps the newest version of each request; false when `approval` is not newer than what the mirror has. */
  private adoptApproval(approval: Approval): boolean {
    const index = this.approvalList.findIndex((a) => a.id === approval.id);
    if (index >= 0 && this.approvalList[index]!.version >= approval.version) return false;
    this.approvalList = index >= 0 ? this.approvalList.map((a, i) => (i === index ? approval : a)) : [...this.approvalList, approval];
    return true;
  }
}
