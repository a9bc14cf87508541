import { z } from 'zod/v4';
import { DiscoveryNameSchema } from '@ecs-endpoints/contract';

/**
 * The preset file a team keeps in its repository (e.g. `ecs-endpoints.json`): which containers
 * a preset applies to, where their credentials come from (by reference only: a profile name, a
 * role ARN), and the task metadata they should see. Version 1. The JSON Schema published at
 * docs/preset.schema.json is generated from this (npm run schema), so the two cannot drift.
 */

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const roleArn = z.string().regex(ROLE_ARN, 'a role ARN, e.g. arn:aws:iam::123456789012:role/orders-task');
const profileName = z.string().regex(/^[\w.@+-]{1,128}$/, 'an AWS profile name from ~/.aws/config');

export const PresetMatchSchema = z
  .strictObject({
    containerName: z.string().min(1).optional().describe('Container name; * matches any run of characters.'),
    composeProject: z.string().min(1).optional().describe('Compose project name; * allowed.'),
    composeService: z.string().min(1).optional().describe('Compose service name; * allowed.'),
    image: z.string().min(1).optional().describe('Image reference, e.g. my-org/orders:*; * allowed.'),
    labels: z.record(z.string(), z.string()).optional().describe('Labels the container must carry, with these values.'),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'give at least one rule (containerName, composeProject, composeService, image or labels)')
  .describe('All rules must hold. A container can also pick a preset by name with the label ecs-endpoints.preset=<name>.');

export const PresetCredentialsSchema = z
  .union([
    z.strictObject({ none: z.literal(true) }).describe('ECS mode without a task role.'),
    z.strictObject({ fake: z.literal(true), roleArn: roleArn.optional() }).describe('Deterministic fake credentials, no network.'),
    z.strictObject({ profile: profileName }).describe('A profile from the user\'s AWS config (SSO, credential_process, role chains).'),
    z
      .strictObject({
        roleArn,
        fromProfile: profileName.optional().describe('Assume the role with this profile; without it, with the backend\'s own AWS identity.'),
      })
      .describe('Assume a role.'),
    z.strictObject({ source: z.string().min(1) }).describe('A credential source each developer created locally, by id (e.g. their own static keys).'),
  ], {
    error: 'credentials must be one of {"none": true}, {"fake": true}, {"profile": "<name>"}, {"roleArn": "arn:aws:iam::<account>:role/<name>", "fromProfile"?: "<name>"} or {"source": "<id>"}',
  })
  .describe('Where the credentials come from. By reference only: a preset never holds a secret.');

export const PresetTaskSchema = z
  .strictObject({
    family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, - and _, up to 255').optional(),
    revision: z.string().regex(/^\d{1,9}$/, 'a revision number, as a string').optional(),
    cluster: z.string().min(1).max(255).optional(),
    launchType: z.enum(['EC2', 'FARGATE', 'EXTERNAL']).optional(),
    availabilityZone: z.string().min(1).optional(),
    availabilityZoneId: z.string().min(1).optional(),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/).optional(),
    serviceName: z.string().min(1).optional(),
    taskArn: z.string().regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/.+$/).optional(),
    cpu: z.number().positive().max(192).optional().describe('Task CPU in vCPU, e.g. 0.5.'),
    memory: z.number().int().positive().optional().describe('Task memory in MiB.'),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    enableFaultInjection: z.boolean().optional().describe("The task definition's enableFaultInjection: the fault-injection routes under ECS_AGENT_URI act on the task's network."),
  })
  .describe('Task metadata overrides.');

export const PresetSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ., - and _, up to 64, starting with a letter or digit'),
  description: z.string().max(500).optional(),
  match: PresetMatchSchema.optional(),
  credentials: PresetCredentialsSchema.optional(),
  task: PresetTaskSchema.optional(),
  containerName: z.string().min(1).max(255).optional().describe('The container\'s name in the task definition.'),
  discoveryNames: z
    .array(DiscoveryNameSchema)
    .max(20)
    .optional()
    .describe('Service discovery names the container answers to on the managed network (Service Connect client aliases, Cloud Map names such as orders.local).'),
});

export const PresetFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    presets: z.array(PresetSchema),
  })
  .refine((f) => new Set(f.presets.map((p) => p.name)).size === f.presets.length, {
    message: 'preset names must be unique',
    path: ['presets'],
  });

export type Preset = z.infer<typeof PresetSchema>;
export type PresetFile = z.infer<typeof PresetFileSchema>;

export function presetJsonSchema(): unknown {
  return { ...z.toJSONSchema(PresetFileSchema), title: 'ECS Endpoints presets', $id: 'https://ecs-endpoints.dev/preset.schema.json' };
}
