import type { Problem } from '@ecs-endpoints/contract';
import { log } from '../log.ts';
import { ManagedNetwork, type NetworkError } from './network.ts';

/**
 * Keeps the managed network (and, in the container topology, our own attachment at the endpoint
 * address) in place: at start and after every Docker reconnect, one attempt at a time.
 */
export class NetworkKeeper {
  ready = false;
  problem?: Problem;
  private ensuring?: Promise<void>;

  /** Not an error: the network serves, but its IPv6 side is not the configured one. */
  get warning(): Problem | undefined {
    const p = this.network.ipv6Problem;
    return p ? { id: 'network-ipv6', severity: 'warning', message: p.message, remedy: p.remedy } : undefined;
  }

  constructor(
    readonly network: ManagedNetwork,
    private readonly selfAttach: boolean,
    private readonly self: string | undefined,
    private readonly onChange: () => void,
  ) {}

  /** Single flight: start and a Docker reconnect may both ask at once. */
  ensure(throwOnError = false): Promise<void> {
    if (!this.ensuring) this.ensuring = this.run().finally(() => (this.ensuring = undefined));
    return throwOnError ? this.ensuring : this.ensuring.catch(() => undefined);
  }

  private async run(): Promise<void> {
    try {
      await this.network.ensure();
      if (this.selfAttach) await this.network.selfAttach(this.self);
      this.ready = true;
      this.problem = undefined;
    } catch (err) {
      this.ready = false;
      const e = err as NetworkError;
      this.problem = { id: 'network', severity: 'error', message: e.message, remedy: e.remedy };
      log.error('network: ' + e.message, { remedy: e.remedy });
      this.onChange();
      throw err;
    }
    this.onChange();
  }
}
