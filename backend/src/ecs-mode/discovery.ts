import { splitNames, DISCOVERY_NAME, type DiscoveryNameView, type DiscoveryOrigin } from '@ecs-endpoints/contract';
import type { ContainerRecord, TaskModel } from '../tasks/types.ts';
import { LABEL } from '../tasks/model.ts';
import { log } from '../log.ts';

const COMPOSE_PROJECT = 'com.docker.compose.project';
const MAX_ATTEMPTS = 3;
const RETRY_MS = 1000;
const COMPOSE_SERVICE = 'com.docker.compose.service';

/** A discovery name another container holds; the control API answers 409 with the holder's name. */
export class DiscoveryConflictError extends Error {
  constructor(
    readonly discoveryName: string,
    readonly heldBy: string,
  ) {
    super(`The name "${discoveryName}" is already taken on the managed network by "${heldBy}".`);
  }

  get remedy(): string {
    return `Choose another name, or remove "${this.discoveryName}" from "${this.heldBy}" first.`;
  }
}

export interface DiscoveryDeps {
  network: string;
  records(): Iterable<ContainerRecord>;
  model(): TaskModel;
  /** A person's names for a container (by name), kept in the state dir. */
  own(containerName: string): string[];
  setOwn(containerName: string, names: string[]): void;
  /** The container (by name) whose own names include this one, present or not: it keeps it across recreation. */
  reservedBy(name: string): string | undefined;
  /** Its preset's names, if a preset applies. */
  preset(r: ContainerRecord): string[];
  setAliases(id: string, add: string[], remove: string[]): Promise<void>;
  refresh(id: string): Promise<unknown>;
}

interface Wanted {
  name: string;
  origin: DiscoveryOrigin;
  /** For a namespace member's name: the member's container name. */
  from?: string;
}

/** A container with an endpoint on the network, and the names it and its namespace members want. */
interface Holder {
  r: ContainerRecord;
  wanted: Wanted[];
}

/** Per container on the network: the names it gets, and the ones another holds. */
interface Plan {
  granted: Map<string, Set<string>>;
  refused: Map<string, Map<string, string>>;
  /** The containers on the network, by id. */
  onNetwork: Map<string, ContainerRecord>;
}

/**
 * Service discovery names as Docker network aliases on the managed network: a container's own
 * names, its label's and its preset's, and on a namespace owner (a pause container) those of the
 * containers sharing its namespace. A name belongs to one container (or to the replicas of one
 * compose service, as a service's tasks share theirs on ECS): the first to hold it keeps it.
 */
export class DiscoveryNames {
  private applied = new Map<string, Set<string>>();
  /** The last change Docker refused per container, and how often: retried a few times, a second apart. */
  private failed = new Map<string, { signature: string; attempts: number }>();
  /** One change per container at a time; a later one runs after it, on what Docker then says. */
  private inFlight = new Map<string, Promise<void>>();
  /** The plan worked out in this turn (see thisTurn). */
  private turn?: { plan: Plan; holders: Holder[] };

  constructor(private readonly d: DiscoveryDeps) {}

  /** The names a container asks for, with where each comes from (a name once, first origin wins). */
  wanted(r: ContainerRecord): Wanted[] {
    const out = new Map<string, DiscoveryOrigin>();
    const add = (names: string[], origin: DiscoveryOrigin) => {
      for (const n of names) if (DISCOVERY_NAME.test(n) && !out.has(n)) out.set(n, origin);
    };
    add(this.d.own(r.name), 'own');
    add(splitNames(r.labels[LABEL.discoveryNames]), 'label');
    add(this.d.preset(r), 'preset');
    return [...out].map(([name, origin]) => ({ name, origin }));
  }

  private onNetwork(r: ContainerRecord) {
    return r.networks.find((n) => n.name === this.d.network);
  }

  /** Containers holding an endpoint on the network, each with what it and its namespace members want. */
  private holders(): Holder[] {
    const recs = [...this.d.records()];
    const model = this.d.model();
    const members = new Map<string, ContainerRecord[]>();
    for (const r of recs) {
      const e = model.byContainerId.get(r.id);
      if (e?.container.via === 'namespace') members.set(e.container.namespaceOwnerId, [...(members.get(e.container.namespaceOwnerId) ?? []), r]);
    }
    return recs
      .filter((r) => this.onNetwork(r) && r.state !== 'removing' && r.state !== 'dead')
      .sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id))
      .map((r) => {
        const own = this.wanted(r);
        const seen = new Set(own.map((w) => w.name));
        const fromMembers = (members.get(r.id) ?? []).flatMap((m) => this.wanted(m).map((w) => ({ ...w, from: m.name }))).filter((w) => !seen.has(w.name) && seen.add(w.name));
        return { r, wanted: [...own, ...fromMembers.map((w) => ({ name: w.name, origin: 'member' as const, from: w.from }))] };
      });
  }

  /**
   * The plan for this turn, for views: the containers list asks for every container's view at
   * once, and working the plan out for each was quadratic in the containers on the network.
   * Forgotten at the end of the turn; changes always work out a fresh one.
   */
  private thisTurn(): { plan: Plan; holders: Holder[] } {
    if (!this.turn) {
      const holders = this.holders();
      this.turn = { plan: this.plan(holders), holders };
      queueMicrotask(() => (this.turn = undefined));
    }
    return this.turn;
  }

  private plan(holders = this.holders()): Plan {
    const held = new Map<string, ContainerRecord>();
    // What Docker resolves already: names and aliases; wanted names only once granted below.
    for (const { r } of holders) {
      held.set(r.name, r);
      for (const a of this.onNetwork(r)?.aliases ?? []) if (!held.has(a) || this.applied.get(r.id)?.has(a)) held.set(a, r);
    }
    const plan: Plan = { granted: new Map(), refused: new Map(), onNetwork: new Map(holders.map(({ r }) => [r.id, r])) };
    for (const { r, wanted } of holders) {
      const granted = new Set<string>();
      const refused = new Map<string, string>();
      for (const { name, origin, from } of wanted) {
        const h = held.get(name);
        const reserved = origin === 'own' ? undefined : this.d.reservedBy(name);
        if (reserved && reserved !== r.name && reserved !== from) refused.set(name, reserved);
        else if (h && h.id !== r.id && !replicas(h, r)) refused.set(name, h.name);
        else {
          granted.add(name);
          if (!h) held.set(name, r);
        }
      }
      plan.granted.set(r.id, granted);
      plan.refused.set(r.id, refused);
    }
    return plan;
  }

  /** The container's names for the UI: each with whether it resolves to it now, or who holds it. */
  view(r: ContainerRecord): DiscoveryNameView[] {
    const model = this.d.model();
    const e = model.byContainerId.get(r.id);
    const ownerId = e?.container.via === 'namespace' ? e.container.namespaceOwnerId : r.id;
    const { plan, holders } = this.thisTurn();
    const owner = plan.onNetwork.get(ownerId);
    const aliases = new Set(owner ? (this.onNetwork(owner)?.aliases ?? []) : []);
    const refused = plan.refused.get(ownerId);
    const mine = this.wanted(r);
    const list = ownerId === r.id ? holders.find((h) => h.r.id === r.id)?.wanted ?? mine : mine;
    return list.map(({ name, origin }) => {
      // A member's own names: shown as its own, refused or not on its namespace owner.
      const heldBy = refused?.get(name);
      return { name, origin, active: aliases.has(name) && !heldBy, ...(heldBy ? { heldBy } : {}) };
    });
  }

  /**
   * A person's names for a container: refused as a whole if another container holds one of them
   * (409 with its name); else kept by container name and applied now if it is on the network.
   */
  async setOwn(r: ContainerRecord, names: string[]): Promise<void> {
    const before = this.d.own(r.name);
    const probe = [...this.d.records()];
    // A namespace member's names live on its owner's endpoint: the owner does not hold them against it.
    const e = this.d.model().byContainerId.get(r.id);
    const ownerId = e?.container.via === 'namespace' ? e.container.namespaceOwnerId : r.id;
    for (const name of names) {
      const reserved = this.d.reservedBy(name);
      if (reserved && reserved !== r.name) throw new DiscoveryConflictError(name, reserved);
      for (const o of probe) {
        if (o.id === r.id || o.id === ownerId || replicas(o, r) || !this.onNetwork(o)) continue;
        const theirs = new Set([o.name, ...(this.onNetwork(o)?.aliases ?? []), ...this.wanted(o).map((w) => w.name)]);
        if (theirs.has(name)) throw new DiscoveryConflictError(name, o.name);
      }
    }
    this.d.setOwn(r.name, names);
    const removed = before.filter((n) => !names.includes(n));
    await this.apply(r.id, removed);
  }

  /** Bring every container's aliases in line with its names (after Docker events and changes). */
  reconcile(): void {
    // One plan for all: it is the same for every container until a change is made, and working it
    // out per container made each model change quadratic in the containers on the network.
    const plan = this.plan();
    // Running ones only: compose connects and starts a created container itself, and a reconnect
    // racing its start could leave it off the network.
    for (const r of plan.onNetwork.values()) if (r.state === 'running') this.apply(r.id, [], plan).catch(() => undefined);
  }

  private apply(id: string, alsoRemove: string[], plan?: Plan): Promise<void> {
    const e = this.d.model().byContainerId.get(id);
    const ownerId = e?.container.via === 'namespace' ? e.container.namespaceOwnerId : id;
    const before = this.inFlight.get(ownerId);
    // A reconcile while a change is in flight has nothing to add; an explicit change waits its turn.
    if (before && !alsoRemove.length) return before;
    // Behind a change in flight, the plan is worked out again once it is done.
    const next = (before ?? Promise.resolve()).catch(() => undefined).then(() => this.applyNow(ownerId, alsoRemove, before ? undefined : plan));
    this.inFlight.set(ownerId, next);
    const clear = () => {
      if (this.inFlight.get(ownerId) === next) this.inFlight.delete(ownerId);
    };
    next.then(clear, clear);
    return next;
  }

  private async applyNow(ownerId: string, alsoRemove: string[], given?: Plan): Promise<void> {
    const plan = given ?? this.plan();
    const owner = plan.onNetwork.get(ownerId);
    if (!owner) return;
    const net = this.onNetwork(owner);
    if (!net) return;
    const granted = plan.granted.get(owner.id) ?? new Set<string>();
    const current = new Set(net.aliases ?? []);
    const previously = new Set([...(this.applied.get(owner.id) ?? []), ...alsoRemove]);
    const add = [...granted].filter((n) => !current.has(n));
    const remove = [...previously].filter((n) => !granted.has(n) && current.has(n) && n !== owner.name);
    if (!add.length && !remove.length) {
      this.applied.set(owner.id, granted);
      return;
    }
    const signature = JSON.stringify([add, remove]);
    const failed = this.failed.get(owner.id);
    if (failed?.signature === signature && failed.attempts >= MAX_ATTEMPTS && !alsoRemove.length) return;
    try {
      await this.d.setAliases(owner.id, add, remove);
      this.applied.set(owner.id, granted);
      this.failed.delete(owner.id);
      log.info('discovery names set', { container: owner.name, added: add, removed: remove });
    } catch (err) {
      const attempts = failed?.signature === signature ? failed.attempts + 1 : 1;
      this.failed.set(owner.id, { signature, attempts });
      log.warn('discovery names not set', { container: owner.name, error: (err as Error).message, attempts });
      if (attempts < MAX_ATTEMPTS) setTimeout(() => this.reconcile(), RETRY_MS).unref();
      throw err;
    } finally {
      await this.d.refresh(owner.id).catch(() => undefined);
    }
  }

  /** Who holds or asks for `name` on the network (a container's name, alias or wanted name), or a reservation. */
  holder(name: string, serviceName?: string): string | undefined {
    for (const o of this.d.records()) {
      if (!this.onNetwork(o) || (serviceName && o.labels[LABEL.serviceName] === serviceName)) continue;
      if (o.name === name || this.onNetwork(o)?.aliases?.includes(name) || this.wanted(o).some((w) => w.name === name)) return o.name;
    }
    return this.d.reservedBy(name);
  }

  /** Aliases for a container about to join the network (so it joins with them, no reconnect). */
  aliasesFor(r: ContainerRecord): string[] {
    const taken = new Map<string, ContainerRecord>();
    for (const o of this.d.records()) {
      if (o.id === r.id || !this.onNetwork(o) || replicas(o, r)) continue;
      for (const n of [o.name, ...(this.onNetwork(o)?.aliases ?? [])]) taken.set(n, o);
    }
    return this.wanted(r).map((w) => w.name).filter((n) => !taken.has(n));
  }
}

/** Replicas of one compose service, or tasks of one ECS service, share its names (as a service's tasks do on ECS). */
function replicas(a: ContainerRecord, b: ContainerRecord): boolean {
  const p = a.labels[COMPOSE_PROJECT];
  const s = a.labels[COMPOSE_SERVICE];
  const svc = a.labels[LABEL.serviceName];
  return Boolean((p && s && p === b.labels[COMPOSE_PROJECT] && s === b.labels[COMPOSE_SERVICE]) || (svc && svc === b.labels[LABEL.serviceName]));
}
