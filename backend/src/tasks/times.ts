import type { ContainerRecord, Task } from './types.ts';

/** Set by the task-definition runner on its containers when it pulled images for the run. */
export const PULL_STARTED_LABEL = 'ecs-endpoints.pull-started-at';
export const PULL_STOPPED_LABEL = 'ecs-endpoints.pull-stopped-at';

const keys = new Map<string, string>();

/**
 * A Go RFC3339Nano UTC time that sorts as text: Go trims the fraction's trailing zeros, so
 * "…:11Z" < "…:11.5Z" and "…:11.6Z" < "…:11.639Z" only once every fraction has nine digits.
 */
export function timeKey(t: string): string {
  let k = keys.get(t);
  if (k === undefined) {
    // Remembered: every model rebuild sorts the same creation times again.
    if (keys.size >= 4096) keys.clear();
    k = t.replace(/(?:\.(\d{1,9}))?Z$/, (_, f: string | undefined) => `.${(f ?? '').padEnd(9, '0')}Z`);
    keys.set(t, k);
  }
  return k;
}

export const compareTimes = (a: string, b: string): number => {
  const ka = timeKey(a);
  const kb = timeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/**
 * The agent sets PullStartedAt when the task's first image pull starts and PullStoppedAt when each
 * pull ends, and omits both when nothing was pulled. This product does not pull (yet: the task
 * definition runner will, with real times), so the window is the first container's creation, when
 * its image was there. ExecutionStoppedAt: the first stop of a stopped task (every container is
 * essential here).
 */
export function taskTimes(sorted: { record: ContainerRecord }[], knownStatus: Task['knownStatus']): Pick<Task, 'pullStartedAt' | 'pullStoppedAt' | 'executionStoppedAt'> {
  const created = sorted[0]?.record.created || undefined;
  // A task-definition run that pulled says when (labels set by the runner when it created the containers).
  const pulled = sorted.map((m) => m.record.labels).find((l) => l[PULL_STARTED_LABEL] && l[PULL_STOPPED_LABEL]);
  const finished = sorted.map((m) => m.record.finishedAt).filter((t): t is string => !!t).sort(compareTimes)[0];
  return {
    pullStartedAt: pulled?.[PULL_STARTED_LABEL] ?? created,
    pullStoppedAt: pulled?.[PULL_STOPPED_LABEL] ?? created,
    executionStoppedAt: knownStatus === 'STOPPED' ? finished : undefined,
  };
}
