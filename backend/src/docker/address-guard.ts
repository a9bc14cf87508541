import { EventEmitter } from 'node:events';
import { log } from '../log.ts';
import type { ContainerRecord } from '../tasks/types.ts';
import type { GuardPlan, GuardTarget } from './guard/apply.ts';
import { tableName } from './guard/nft.ts';
import type { GuardRunner } from './guard/runner.ts';

/** How often, and how soon, an address Docker reports but whose interface is not there yet is looked at again. */
const UNBOUND_RETRIES = 3;
const UNBOUND_RETRY_MS = 250;

export type GuardStatus =
  | { state: 'starting' }
  | { state: 'enforced'; where: string }
  | { state: 'unavailable'; reason: string };

export interface AppliedBinding {
  containerId: string;
  pid: number;
  mac: string;
  port: string;
}

export interface AddressGuardOptions {
  network: string;
  /** The bridge device of the managed network, once it exists. */
  bridge: () => string | undefined;
  /** Addresses no container may claim (the gateway; in the host topology also the endpoint). */
  reserved: () => string[];
  records: () => Iterable<ContainerRecord>;
  /** The names of the Docker networks that exist, so the tables of removed ones can go. */
  networks: () => Promise<string[]>;
}

/**
 * Binds every address on the managed network to the bridge port and MAC of the container that
 * owns it, so a container cannot send as a neighbour (ARP poisoning plus hand-built packets, or
 * simply changing its own address). Kept in step with the container index: each change is one
 * atomic ruleset replacement, coalesced while one is in flight. What it has applied is what the
 * data plane may trust (bindingFor).
 */
export class AddressGuard extends EventEmitter<{ status: [] }> {
  status: GuardStatus = { state: 'starting' };
  private applied = new Map<string, AppliedBinding>();
  private running?: Promise<void>;
  private again = false;
  private waiters: (() => void)[] = [];
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private failedAt = 0;
  /** Looks so far at each address still unbound ("ip reason"); one bound since is forgotten. */
  private unboundTries = new Map<string, number>();
  private pruned = false;
  private appliedKey?: string;
  readonly table: string;

  constructor(
    private readonly runner: GuardRunner,
    private readonly opts: AddressGuardOptions,
  ) {
    super();
    this.table = tableName(opts.network);
  }

  /** The binding in force for an address, if the container that owns it was bound. */
  bindingFor(ip: string): AppliedBinding | undefined {
    return this.applied.get(ip);
  }

  /** Is this container's current address, process and MAC what the rules enforce? */
  isBound(ip: string, record: ContainerRecord | undefined): boolean {
    const b = this.applied.get(ip);
    if (!b || !record || b.containerId !== record.id || b.pid !== record.pid) return false;
    return b.mac === this.attachment(record)?.mac?.toLowerCase();
  }

  /**
   * Apply the current index now (coalesced); resolves once rules at least this recent are in force
   * or failed. `force` re-applies even an unchanged plan (rules someone flushed are put back).
   */
  sync(force = false): Promise<void> {
    this.stopped = false;
    if (force) this.appliedKey = undefined;
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (this.running) this.again = true;
      else this.running = this.loop();
    });
  }

  /** Ask for a sync without waiting for it (where the guard could not be set up, at most every 30 s). */
  request(): void {
    if (this.status.state === 'unavailable' && Date.now() - this.failedAt < 30_000) return;
    void this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
    if (this.status.state !== 'enforced') return;
    // Stale bindings would drop the traffic of the next container given one of these addresses.
    await this.runner.remove(this.plan()).catch((err: Error) => log.warn('address guard: could not remove the rules', { error: err.message }));
    this.applied.clear();
    this.appliedKey = undefined;
    this.pruned = false;
    this.status = { state: 'starting' };
  }

  private attachment(r: ContainerRecord) {
    return r.networks.find((n) => n.name === this.opts.network);
  }

  private plan(): GuardPlan & { owners: Map<string, AppliedBinding> } {
    const targets: GuardTarget[] = this.opts.reserved().map((ip) => ({ ip }));
    const owners = new Map<string, AppliedBinding>();
    for (const r of this.opts.records()) {
      const n = this.attachment(r);
      if (r.state !== 'running' || !r.pid || !n?.ip || !n.mac) continue;
      // Its IPv6 address (a dual-stack network) is bound like its IPv4 one: same port, same MAC.
      for (const ip of n.ipv6 ? [n.ip, n.ipv6] : [n.ip]) {
        targets.push({ ip, pid: r.pid, mac: n.mac });
        owners.set(ip, { containerId: r.id, pid: r.pid, mac: n.mac.toLowerCase(), port: '' });
      }
    }
    targets.sort((a, b) => a.ip.localeCompare(b.ip));
    return { table: this.table, bridge: this.opts.bridge() ?? '', targets, owners };
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const waiting = this.waiters.splice(0);
      await this.applyOnce();
      for (const w of waiting) w();
    } while (this.again && !this.stopped);
    this.running = undefined;
    for (const w of this.waiters.splice(0)) w();
  }

  private async applyOnce(): Promise<void> {
    const plan = this.plan();
    if (!plan.bridge) return;
    // Most index changes are other containers on the machine: nothing to apply (in Docker Desktop
    // each apply is a helper container).
    const key = JSON.stringify([plan.bridge, plan.targets]);
    if (key === this.appliedKey && this.status.state === 'enforced') return;
    try {
      // Once per start: tables left by killed backends of networks that are gone.
      const prune = this.pruned ? undefined : { prefix: tableName(''), keep: (await this.opts.networks()).map(tableName) };
      const outcome = await this.runner.apply({ table: plan.table, bridge: plan.bridge, targets: plan.targets, prune });
      this.pruned = true;
      const next = new Map<string, AppliedBinding>();
      for (const b of outcome.bound) {
        const owner = plan.owners.get(b.ip);
        if (owner) next.set(b.ip, { ...owner, port: b.port });
      }
      this.applied = next;
      // An address that could not be bound is tried again on the next change.
      this.appliedKey = outcome.unresolved.length ? undefined : key;
      this.report(outcome.unresolved);
      if (this.status.state !== 'enforced') {
        this.status = { state: 'enforced', where: this.runner.where };
        log.info('address guard: enforced', { table: plan.table, bound: next.size, by: this.runner.where });
        this.emit('status');
      }
    } catch (err) {
      const reason = (err as Error).message;
      if (this.status.state !== 'enforced') {
        this.failedAt = Date.now();
        // Never applied: nothing is protected, so nothing is trusted (the data plane refuses the id-less forms).
        if (this.status.state !== 'unavailable' || this.status.reason !== reason) {
          this.status = { state: 'unavailable', reason };
          log.warn('address guard: unavailable; id-less credential forms are refused', { reason });
          this.emit('status');
        }
        return;
      }
      // The previous rules stay in force; new containers wait for a later attempt to be trusted.
      log.warn('address guard: update failed, retrying', { error: reason });
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.request(), 2000);
    }
  }

  /**
   * A container joined while it starts gets its interface a moment after Docker reports it: look
   * again shortly, and speak only of what is still unbound then, once per address and reason (a
   * container that changed its own MAC stays unbound). Each address has its own tries, so one that
   * stays unbound neither takes a newcomer's nor sets off more looks at every later change.
   */
  private report(unresolved: { ip: string; reason: string }[]): void {
    const tries = new Map<string, number>();
    let again = false;
    for (const u of unresolved) {
      const key = `${u.ip} ${u.reason}`;
      const n = this.unboundTries.get(key) ?? 0;
      tries.set(key, n + 1);
      // A process that is gone (the container is stopping) is no news; anything else is, once.
      if (u.reason.includes('ENOENT')) {
        if (n === 0) log.debug('address guard: not bound, its process is gone', u);
      } else if (n < UNBOUND_RETRIES) again = true;
      else if (n === UNBOUND_RETRIES) log.warn('address guard: not bound (its address is not trusted for the id-less forms)', u);
    }
    this.unboundTries = tries;
    if (again) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.request(), UNBOUND_RETRY_MS);
    }
  }
}
