import type { ContainerRecord } from '../tasks/types.ts';

/** How long after its create event a container counts as joining (its first requests come within ms of start). */
export const JOINING_MS = 30_000;
/** How long a caller waits for an attach still under way before it is told no. */
const SETTLE_MS = 3000;
/** A joining container is looked at again at most this often, however many refused requests ask. */
const REFRESH_MS = 1000;

interface Join {
  /** The attach: true once connected, false if it failed. */
  done: Promise<boolean>;
  until: number;
  refreshedAt: number;
}

/**
 * Containers attached on their create event a moment ago. `docker run -d` starts a container about a
 * millisecond after creating it, sometimes before the attach lands: its first request then leaves by
 * its other network and reaches the endpoint address from an address off the managed network. Such a
 * caller is recognised here (its other address, from a fresh look at the container), so the data
 * plane can tell it to send the request again (which now goes by the managed network) instead of
 * refusing it for good.
 */
export class JoiningContainers {
  private readonly joins = new Map<string, Join>();

  constructor(
    private readonly d: { refresh(id: string): Promise<ContainerRecord | undefined>; get(id: string): ContainerRecord | undefined },
    private readonly now: () => number = Date.now,
  ) {}

  add(id: string, done: Promise<boolean>): void {
    // Pruned here too: a fleet created with nobody refused must not stay listed.
    this.prune();
    this.joins.set(id, { done, until: this.now() + JOINING_MS, refreshedAt: 0 });
  }

  /**
   * Is `ip`, an address off the managed network, one of a container attached on create lately? false
   * at once when none was (every other refused caller); else resolves once their attaches settled
   * (bounded): true if one of them has this address and is attached.
   */
  joinedFrom(ip: string): false | Promise<boolean> {
    this.prune();
    if (!this.joins.size) return false;
    const looks = [...this.joins].map(async ([id, j]) => {
      if (!(await j.done)) return false;
      let r = this.d.get(id);
      // The index looks at a container again when it starts: only one it does not know yet or
      // still knows as created (the request came before that look) is looked at here, so refused
      // callers cannot make this ask the Engine about every container that joined lately.
      if ((!r || r.state === 'created') && this.now() - j.refreshedAt >= REFRESH_MS) {
        j.refreshedAt = this.now();
        r = await this.d.refresh(id).catch(() => undefined);
      }
      return hasAddress(r, ip);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SETTLE_MS)));
    return Promise.race([Promise.all(looks).then((found) => found.includes(true)), late]).finally(() => clearTimeout(timer));
  }

  private prune(): void {
    const now = this.now();
    for (const [id, j] of this.joins) if (j.until < now) this.joins.delete(id);
  }
}

function hasAddress(r: ContainerRecord | undefined, ip: string): boolean {
  return r?.state === 'running' && r.networks.some((n) => n.ip === ip || n.ipv6 === ip);
}
