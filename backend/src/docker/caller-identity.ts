import type Docker from 'dockerode';
import type { ContainerRecord } from '../tasks/types.ts';
import type { AddressGuard } from './address-guard.ts';
import type { ContainerIndex } from './container-index.ts';

/** Whether a caller's source address may stand for the container the model maps it to. */
export type CallerVerdict =
  | { ok: true }
  /** `wait`: settle() may change the answer (an unknown or not yet bound caller). */
  | { ok: false; wait: boolean; status: number; reason: string };

const ID_FORM = 'The id form keeps working: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/<id> (switching ECS mode on from the UI sets it).';

/**
 * The data plane's source of truth about who is calling: an address counts as a container's only
 * while Docker is connected (a removed container's address may have been handed to another during
 * an outage) and while the address guard binds it to that container's bridge port. A caller the
 * index does not know yet (it started a moment ago) is looked up once, bounded and coalesced.
 */
export class CallerIdentity {
  private settling = new Map<string, Promise<void>>();

  constructor(
    private readonly index: ContainerIndex,
    private readonly guard: AddressGuard,
    private readonly network: string,
    private readonly settleMs = 2000,
  ) {}

  /** For the id-less credential forms, which name no secret: the address is all the caller shows. */
  verify(ip: string, ownerId: string | undefined): CallerVerdict {
    if (!this.index.connected) {
      return {
        ok: false,
        wait: false,
        status: 503,
        reason: `ECS Endpoints has lost its connection to the Docker Engine and cannot confirm which container has the address ${ip}; the id-less credential forms answer again once it has reconnected. ${ID_FORM}`,
      };
    }
    const g = this.guard.status;
    if (g.state === 'unavailable') {
      return {
        ok: false,
        wait: false,
        status: 400,
        reason: `The id-less credential forms identify the caller by its address, which cannot be protected against spoofing here (${g.reason}), so they are refused. ${ID_FORM}`,
      };
    }
    if (!ownerId) return { ok: false, wait: true, status: 400, reason: `${ip} is not a container in ECS mode` };
    if (this.guard.isBound(ip, this.index.get(ownerId))) return { ok: true };
    return { ok: false, wait: true, status: 503, reason: `the address ${ip} is not yet bound to its container's network interface; try again in a moment` };
  }

  /** Is this address known to the index (any container, running, on the managed network)? */
  known(ip: string): boolean {
    return this.recordAt(ip) !== undefined;
  }

  /** Learn about an unknown caller and bind it, within settleMs; concurrent calls for one address share the work. */
  settle(ip: string): Promise<void> {
    let p = this.settling.get(ip);
    if (!p) {
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((r) => (timer = setTimeout(r, this.settleMs)));
      p = Promise.race([this.learn(ip).catch(() => undefined), bounded]).finally(() => {
        clearTimeout(timer);
        this.settling.delete(ip);
      });
      this.settling.set(ip, p);
    }
    return p;
  }

  private recordAt(ip: string): ContainerRecord | undefined {
    for (const r of this.index.all()) if (r.state === 'running' && r.networks.some((n) => n.name === this.network && n.ip === ip)) return r;
    return undefined;
  }

  private async learn(ip: string): Promise<void> {
    if (!this.index.connected) return;
    if (!this.recordAt(ip)) {
      const info = (await this.index.docker.getNetwork(this.network).inspect()) as Docker.NetworkInspectInfo;
      const id = Object.entries(info.Containers ?? {}).find(([, c]) => c.IPv4Address?.split('/')[0] === ip)?.[0];
      if (!id) return;
      await this.index.refresh(id);
    }
    await this.guard.sync();
  }
}
