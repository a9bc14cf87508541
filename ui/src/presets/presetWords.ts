import type { PresetCredentialsView, PresetView, SourceView } from '@ecs-endpoints/contract';

export const EXPORT_FILENAME = 'ecs-endpoints.presets.json';

/** The label a container names its preset with (which also puts it in ECS mode when it starts). */
export const PRESET_LABEL = 'ecs-endpoints.preset';

/** A minimal preset file, for the example on the Presets tab. */
export const EXAMPLE_PRESET_FILE = JSON.stringify(
  {
    version: 1,
    presets: [
      {
        name: 'orders',
        description: 'Its task role, assumed with your dev profile.',
        match: { composeService: 'orders' },
        credentials: { roleArn: 'arn:aws:iam::123456789012:role/orders-task', fromProfile: 'dev' },
        task: { family: 'orders', cluster: 'staging' },
      },
    ],
  },
  null,
  2,
);

function rule(what: string, pattern: string): string {
  return pattern.includes('*') ? `${what} matching “${pattern}”` : `${what} “${pattern}”`;
}

/** The match rules in words: “compose service “orders” and image matching “shop/*””. */
export function matchInWords(p: Pick<PresetView, 'name' | 'match'>): string {
  const m = p.match;
  const parts: string[] = [];
  if (m?.containerName !== undefined) parts.push(rule('container name', m.containerName));
  if (m?.composeProject !== undefined) parts.push(rule('compose project', m.composeProject));
  if (m?.composeService !== undefined) parts.push(rule('compose service', m.composeService));
  if (m?.image !== undefined) parts.push(rule('image', m.image));
  for (const [k, v] of Object.entries(m?.labels ?? {})) parts.push(`label ${k}=${v}`);
  if (parts.length === 0) return `Only containers labelled ${PRESET_LABEL}=${p.name}`;
  const text = parts.join(' and ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Where the credentials come from, in words (a preset only ever refers to them). */
export function credentialsInWords(c: PresetCredentialsView | undefined, sources?: SourceView[]): string {
  if (!c) return 'Not set: the container’s own source, else the default source';
  if ('none' in c) return 'No credentials (ECS mode without a task role)';
  if ('fake' in c) return c.roleArn ? `Fake credentials for ${c.roleArn}` : 'Fake credentials (no AWS)';
  if ('profile' in c) return `Profile “${c.profile}” from your AWS config`;
  if ('roleArn' in c) {
    return c.fromProfile
      ? `Assume ${c.roleArn} with profile “${c.fromProfile}”`
      : `Assume ${c.roleArn} with the backend’s own AWS identity`;
  }
  const s = sources?.find((x) => x.id === c.source);
  if (s) return `Your source “${s.name}”`;
  return sources ? `Source “${c.source}” (not on this machine: create it under Sources)` : `Source “${c.source}”`;
}

/** Task metadata overrides (and the container's task-definition name) as short chip labels. */
export function taskChips(p: Pick<PresetView, 'task' | 'containerName'>): string[] {
  const t = p.task ?? {};
  const out: string[] = [];
  if (t.family) out.push(t.revision ? `family ${t.family}:${t.revision}` : `family ${t.family}`);
  else if (t.revision) out.push(`revision ${t.revision}`);
  if (t.cluster) out.push(`cluster ${t.cluster}`);
  if (t.launchType) out.push(t.launchType);
  if (t.serviceName) out.push(`service ${t.serviceName}`);
  if (t.cpu !== undefined) out.push(`${t.cpu} vCPU`);
  if (t.memory !== undefined) out.push(`${t.memory} MiB`);
  if (t.availabilityZone) out.push(`AZ ${t.availabilityZone}`);
  if (t.availabilityZoneId) out.push(`AZ id ${t.availabilityZoneId}`);
  if (t.vpcId) out.push(t.vpcId);
  if (t.taskArn) out.push(`task ARN ${t.taskArn}`);
  for (const [k, v] of Object.entries(t.tags ?? {})) out.push(`tag ${k}=${v}`);
  if (p.containerName) out.push(`container name ${p.containerName}`);
  return out;
}
