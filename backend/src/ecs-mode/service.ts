import type { ContainerRecord, TaskModel } from '../tasks/types.ts';
import { LABEL } from '../tasks/model.ts';
import { hasEcsEnvironment } from '@ecs-endpoints/contract';
import { joinBlocker } from '../docker/network.ts';
import type { RecreateResult, RecreateSettings } from '../docker/recreate.ts';
import { log } from '../log.ts';
import { JoiningContainers } from './joining.ts';
import type { EcsChoices } from './choices.ts';

/** Why ECS mode could not be changed. The control API maps `kind` to a status, in one place. */
export class EcsModeError extends Error {
  constructor(
    message: string,
    readonly remedy: string,
    readonly kind: 'busy' | 'cannot-join' | 'not-ready' | 'follows-owner' | 'gone',
  ) {
    super(message);
  }
}

export interface EcsModeOutcome {
  /** The container as it is now (the new one after a recreate). */
  record: ContainerRecord;
  recreatedFrom?: string;
  /** A sentence for people, when the outcome needs one. */
  message?: string;
}

/** What the service needs from the Docker room and the live model, as narrow functions (wired in compose/rooms.ts). */
export interface EcsModeDeps {
  settings: RecreateSettings;
  attach(id: string): Promise<void>;
  /** Connect a just-created container at once, without looking at it first (what its create event said of it). */
  attachNew(id: string, attributes: Record<string, string>): Promise<void>;
  detach(id: string): Promise<void>;
  recreate(id: string): Promise<RecreateResult>;
  refresh(id: string): Promise<ContainerRecord | undefined>;
  get(id: string): ContainerRecord | undefined;
  records(): Iterable<ContainerRecord>;
  model(): TaskModel;
  /** Rebuild the model now (after a change we made ourselves). */
  rebuild(): void;
  /** Undefined when the managed network is ready; else what is wrong and what to do. */
  networkBlocker(): { message: string; remedy: string } | undefined;
  choices: EcsChoices;
}

export function isLabelled(r: Pick<ContainerRecord, 'labels'>): boolean {
  return r.labels[LABEL.enable] === 'true' || Boolean(r.labels[LABEL.preset]);
}

/**
 * Putting containers in and out of ECS mode: attach (or recreate with the ECS environment), detach,
 * auto-attach of labelled containers, and the choices a person made (a container switched off is
 * not put back by its label). One change at a time per container.
 */
export class EcsModeService {
  private busy = new Set<string>();
  private autoAttached = new Set<string>();
  /** Containers attached on create lately, so a first request that beat the attach can be told to retry. */
  readonly joining: JoiningContainers;

  constructor(private readonly d: EcsModeDeps) {
    this.joining = new JoiningContainers(d);
  }

  attachedByUser(id: string): boolean {
    return this.d.choices.attachedByUser(id);
  }

  async change(r: ContainerRecord, enabled: boolean, recreate = false): Promise<EcsModeOutcome> {
    if (this.busy.has(r.id) || this.busy.has(r.name)) {
      throw new EcsModeError(`ECS mode of "${r.name}" is already being changed.`, 'Wait a moment and reload the list.', 'busy');
    }
    this.busy.add(r.id);
    this.busy.add(r.name);
    try {
      return enabled ? await this.enable(r, recreate) : await this.disable(r);
    } finally {
      this.busy.delete(r.id);
      this.busy.delete(r.name);
    }
  }

  private async enable(r: ContainerRecord, recreate: boolean): Promise<EcsModeOutcome> {
    const blocker = joinBlocker(r.networkMode);
    if (blocker) {
      // Already in ECS mode through its namespace owner: nothing to do.
      if (this.d.model().byContainerId.has(r.id)) return { record: r };
      throw new EcsModeError(`Cannot put "${r.name}" in ECS mode. ${blocker}`, blocker, 'cannot-join');
    }
    const notReady = this.d.networkBlocker();
    if (notReady) throw new EcsModeError(`The network "${this.d.settings.network}" is not ready: ${notReady.message}`, notReady.remedy, 'not-ready');
    const hasEnv = hasEcsEnvironment(r.env);
    if (!hasEnv && recreate) {
      const result = await this.d.recreate(r.id);
      const fresh = await this.d.refresh(result.id);
      await this.d.refresh(result.oldId).catch(() => undefined);
      this.d.choices.remember(result.id, true);
      this.d.rebuild();
      if (!fresh) throw new EcsModeError(`"${r.name}" was recreated but the new container is gone.`, 'Check docker ps -a and the container\'s logs.', 'gone');
      log.info('ECS mode on (recreated)', { container: r.name });
      return {
        record: fresh,
        recreatedFrom: result.oldId,
        message: `Recreated "${r.name}" with the ECS environment${result.started ? '' : ' (it was not running, so it was not started)'}; it is in ECS mode.`,
      };
    }
    await this.d.attach(r.id);
    this.d.choices.remember(r.id, true);
    const now = (await this.d.refresh(r.id)) ?? r;
    this.d.rebuild();
    log.info('ECS mode on', { container: r.name, environment: hasEnv });
    const { network, address } = this.d.settings;
    return {
      record: now,
      ...(hasEnv
        ? {}
        : {
            message:
              `"${r.name}" is on the network "${network}", but it has no ECS environment: the AWS SDKs will not look for credentials at ${address}. ` +
              'Switch ECS mode on with recreate: true to recreate it with the environment, or start it with the variables yourself.',
          }),
    };
  }

  private async disable(r: ContainerRecord): Promise<EcsModeOutcome> {
    const entry = this.d.model().byContainerId.get(r.id);
    if (entry?.container.via === 'namespace') {
      const owner = this.d.get(entry.container.namespaceOwnerId);
      throw new EcsModeError(
        `"${r.name}" is in ECS mode because it shares the network namespace of "${owner?.name ?? entry.container.namespaceOwnerId.slice(0, 12)}".`,
        `Switch ECS mode off for "${owner?.name ?? 'that container'}" instead.`,
        'follows-owner',
      );
    }
    const wasAuto = entry !== undefined && !this.d.choices.attachedByUser(r.id);
    // Remembered first, so the disconnect event cannot let auto-attach put a labelled container back.
    this.d.choices.remember(r.id, false);
    await this.d.detach(r.id);
    const now = (await this.d.refresh(r.id)) ?? r;
    this.d.rebuild();
    log.info('ECS mode off', { container: r.name });
    let message: string | undefined;
    if (isLabelled(r)) {
      message =
        `"${r.name}" is labelled for ECS mode (ecs-endpoints.enable / ecs-endpoints.preset): it stays out of ECS mode until you switch it on again, ` +
        'but a new container from the same definition (docker compose up after a change, docker run) joins again. Remove the label to keep it out.';
    } else if (wasAuto) {
      message = `"${r.name}" had joined the network by its own configuration (a compose networks: entry or docker run --network): recreating it (docker compose up) puts it back. Remove the network from its definition to keep it out.`;
    }
    return { record: now, ...(message ? { message } : {}) };
  }

  /** Containers labelled ecs-endpoints.enable=true (or with a preset label) join the network when they run. */
  /**
   * A labelled container was just created: attach it now, from the event alone, so that in most
   * cases the network is in place before its first instruction runs (Docker accepts a network
   * connect on a created container and applies it at start). `autoAttach` stays the fallback.
   */
  attachOnCreate(id: string, attributes: Record<string, string>): void {
    if (!isLabelled({ labels: attributes }) || this.autoAttached.has(id) || this.d.choices.switchedOff(id) || this.d.networkBlocker()) return;
    this.autoAttached.add(id);
    const attached = this.d.attachNew(id, attributes).then(
      () => true,
      (err: Error) => {
        // E.g. network_mode host or container:…; the record-based path reports what matters.
        this.autoAttached.delete(id);
        log.debug('attach on create did not work', { container: attributes.name ?? id.slice(0, 12), error: err.message });
        return false;
      },
    );
    this.joining.add(id, attached);
    void attached
      .then(async (ok) => {
        if (ok) await this.d.refresh(id);
      })
      .catch(() => undefined);
  }

  autoAttach(): void {
    if (this.d.networkBlocker()) return;
    for (const r of this.d.records()) {
      if (!isLabelled(r) || (r.state !== 'running' && r.state !== 'created') || this.autoAttached.has(r.id) || this.d.choices.switchedOff(r.id)) continue;
      if (r.networks.some((n) => n.name === this.d.settings.network) || joinBlocker(r.networkMode)) continue;
      this.autoAttached.add(r.id);
      this.d
        .attach(r.id)
        .then(() => this.d.refresh(r.id))
        .catch((err: Error) => log.warn('auto-attach failed', { container: r.name, error: err.message }));
    }
  }
}
