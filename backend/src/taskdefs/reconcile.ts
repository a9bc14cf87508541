import type { ContainerRecord } from '../tasks/types.ts';
import type { RunContainerRecord, RunRecord } from './runs.ts';

/**
 * One step of a run, decided from Docker's state as the container index last saw it. Pure but for
 * updating the run's containers (status, exit code, health, what each waits for).
 */
export type Step =
  | { kind: 'start'; containers: RunContainerRecord[] }
  | { kind: 'stop'; code: 'EssentialContainerExited' | 'TaskFailedToStart'; reason: string }
  /** Nothing to do now; look again at `recheckAt` (a startTimeout running out) if set. */
  | { kind: 'none'; recheckAt?: number };

type Lookup = (dockerId: string) => ContainerRecord | undefined;

function observe(c: RunContainerRecord, r: ContainerRecord | undefined): void {
  if (!r) return;
  if (r.state === 'running' || r.state === 'restarting' || r.state === 'paused') {
    c.status = 'RUNNING';
    c.startedAt ??= r.startedAt ?? new Date().toISOString();
    delete c.exitCode;
  } else if ((r.state === 'exited' || r.state === 'dead') && r.startedAt && !r.startedAt.startsWith('0001')) {
    c.status = 'STOPPED';
    c.startedAt ??= r.startedAt;
    if (r.exitCode !== undefined) c.exitCode = r.exitCode;
  }
  if (c.hasHealthCheck) c.health = r.health?.status === 'healthy' ? 'HEALTHY' : r.health?.status === 'unhealthy' ? 'UNHEALTHY' : 'UNKNOWN';
}

/** Whether `dep` meets `condition` for its dependent: yes, not yet, or never (why). */
function condition(dep: RunContainerRecord, cond: string): { ok: boolean; never?: string } {
  switch (cond) {
    case 'START':
      return dep.startedAt ? { ok: true } : { ok: false };
    case 'COMPLETE':
      return { ok: dep.status === 'STOPPED' };
    case 'SUCCESS':
      if (dep.status !== 'STOPPED') return { ok: false };
      return dep.exitCode === 0 ? { ok: true } : { ok: false, never: `${dep.name} exited with code ${dep.exitCode ?? 'unknown'}` };
    default: // HEALTHY
      if (dep.health === 'HEALTHY') return { ok: true };
      return dep.status === 'STOPPED' ? { ok: false, never: `${dep.name} stopped before it was healthy` } : { ok: false };
  }
}

/** `startSent`: whether a start was already sent for a container (so it is not sent again while the index has not seen it run). */
export function nextStep(run: RunRecord, record: Lookup, now: number, startSent: (dockerId: string) => boolean = () => false): Step {
  const byName = new Map(run.containers.map((c) => [c.name, c]));
  for (const c of run.containers) observe(c, c.dockerId ? record(c.dockerId) : undefined);

  const exited = run.containers.find((c) => c.essential && c.status === 'STOPPED' && c.startedAt);
  if (exited) return { kind: 'stop', code: 'EssentialContainerExited', reason: `Essential container in task exited (${exited.name}, exit code ${exited.exitCode ?? 'unknown'})` };

  const toStart: RunContainerRecord[] = [];
  let recheckAt: number | undefined;
  for (const c of run.containers) {
    if (c.status !== 'CREATED' || c.startedAt || (c.dockerId && startSent(c.dockerId))) continue;
    const waiting: string[] = [];
    for (const d of c.dependsOn) {
      const dep = byName.get(d.containerName)!;
      const met = condition(dep, d.condition);
      if (met.never) return { kind: 'stop', code: 'TaskFailedToStart', reason: `Container ${c.name} cannot start: it depends on ${d.containerName} ${d.condition}, and ${met.never}.` };
      if (met.ok) continue;
      // The dependency's startTimeout counts from when it started (or from now, if it has not).
      if (dep.startTimeout && dep.startedAt) {
        const deadline = Date.parse(dep.startedAt) + dep.startTimeout * 1000;
        if (now >= deadline) {
          return { kind: 'stop', code: 'TaskFailedToStart', reason: `Container ${c.name} cannot start: ${d.containerName} did not reach ${d.condition} within its startTimeout of ${dep.startTimeout} s.` };
        }
        recheckAt = Math.min(recheckAt ?? deadline, deadline);
      }
      waiting.push(`${d.containerName} ${d.condition}`);
    }
    if (waiting.length) c.waitingFor = waiting.join(', ');
    else {
      delete c.waitingFor;
      toStart.push(c);
    }
  }
  if (run.containers.every((c) => c.startedAt) && run.lastStatus === 'PENDING') {
    run.lastStatus = 'RUNNING';
    run.startedAt = new Date(now).toISOString();
  }
  if (toStart.length) return { kind: 'start', containers: toStart };
  return recheckAt === undefined ? { kind: 'none' } : { kind: 'none', recheckAt };
}
