import type { RunTaskInput } from '@ecs-endpoints/contract';
import type { TaskDocker } from '../docker/task-containers.ts';
import { PULL_STARTED_LABEL, PULL_STOPPED_LABEL } from '../tasks/times.ts';
import { resolveEnvironmentFiles } from './env-files.ts';
import { METADATA_FILE_NAME } from './metadata-file.ts';
import type { PlanSettings, TaskPlan } from './plan.ts';
import type { RunContainerRecord, RunRecord } from './runs.ts';
import { resolveSecrets, type SecretCredentials } from './secrets.ts';

/** What launching a run needs from the runner. */
export interface LaunchDeps {
  docker: TaskDocker;
  pause(): Promise<PlanSettings['pause']>;
  /** The execution role's credentials (secrets, environment files): asked once, only if AWS is needed. */
  credentials(): Promise<SecretCredentials | null>;
  region: string;
  /** Persist the run (and tell watchers). */
  save(): void;
  /** Tell watchers without persisting (pull progress). */
  changed(): void;
  /** A container's NOT_READY metadata file. */
  notReadyFile(c: RunContainerRecord): string;
}

/**
 * From a plan to created containers, as the agent does before anything starts: images pulled,
 * secrets and environment files fetched, the pause container started, every container created
 * (with its NOT_READY metadata file). Throws on the first failure; the runner cleans up.
 */
export async function launchRun(d: LaunchDeps, run: RunRecord, plan: TaskPlan, input: RunTaskInput): Promise<void> {
  const pause = plan.pause ? await d.pause() : undefined;
  const pulled = await pullImages(d, run, [...new Set([...(pause ? [pause.image] : []), ...plan.containers.map((c) => c.image)])]);
  const pullLabels: Record<string, string> = pulled ? { [PULL_STARTED_LABEL]: pulled.startedAt, [PULL_STOPPED_LABEL]: pulled.stoppedAt } : {};
  let execCreds: Promise<SecretCredentials | null> | undefined;
  const credentials = () => (execCreds ??= d.credentials());
  const secrets = await resolveSecrets(plan.containers.flatMap((c) => c.secrets.map((s) => ({ container: c.name, ...s }))), { credentials, region: d.region, overrides: input.secretOverrides });
  const fileVars = await resolveEnvironmentFiles(plan.containers.flatMap((c) => c.environmentFiles.map((value) => ({ container: c.name, value }))), { credentials, region: d.region, contents: input.environmentFileContents });
  if (plan.pause && pause) {
    const spec = { ...plan.pause, Image: pause.image, ...(pause.entrypoint ? { Entrypoint: pause.entrypoint, Cmd: [] } : {}) };
    run.pauseId = await d.docker.create(spec);
    d.save();
    await d.docker.start(run.pauseId);
  }
  for (const pc of plan.containers) {
    const c = run.containers.find((x) => x.name === pc.name)!;
    const values = secrets.get(pc.name) ?? {};
    // The definition's environment wins over its environment files; secrets come last.
    const fromFiles = Object.entries(fileVars.get(pc.name) ?? {}).filter(([k]) => !pc.environmentNames.includes(k));
    const env = [...fromFiles.map(([k, v]) => `${k}=${v}`), ...(pc.create.Env ?? []), ...Object.entries(values).map(([k, v]) => `${k}=${v}`)];
    c.dockerId = await d.docker.create({ ...pc.create, Env: env, Labels: { ...pc.create.Labels, ...pullLabels } });
    c.status = 'CREATED';
    if (c.metadataDir) await d.docker.writeFile(c.dockerId, c.metadataDir, METADATA_FILE_NAME, d.notReadyFile(c));
    d.save();
  }
  run.lastStatus = 'PENDING';
  d.save();
}

/** Pulls the images not here yet; when any was pulled, the window the metadata's PullStartedAt/PullStoppedAt show. */
async function pullImages(d: LaunchDeps, run: RunRecord, images: string[]): Promise<{ startedAt: string; stoppedAt: string } | undefined> {
  let startedAt: string | undefined;
  for (const image of images) {
    if (await d.docker.imagePresent(image)) continue;
    startedAt ??= new Date().toISOString();
    const waiting = run.containers.filter((c) => c.image === image);
    for (const c of waiting) {
      c.status = 'PULLING';
      c.waitingFor = `pulling ${image}`;
    }
    d.save();
    await d.docker.pull(image, (line) => {
      for (const c of waiting) c.waitingFor = `pulling ${image}: ${line}`;
      d.changed();
    });
    for (const c of waiting) {
      c.status = 'PENDING';
      delete c.waitingFor;
    }
    d.save();
  }
  return startedAt ? { startedAt, stoppedAt: new Date().toISOString() } : undefined;
}
