/** Sources as the API shows them: a summary and the settings a person may see, never a secret. */
import type { SourceInput, SourceView } from '@ecs-endpoints/contract';
import type { SourceRecord } from './registry.ts';

/** The registry's lookup: views name the sources a source builds on. */
type Lookup = (id: string) => SourceRecord | undefined;

function maskKey(accessKeyId: string): string {
  return accessKeyId.length > 8 ? `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}` : '…';
}

/** The `default` source: what it stands for, or that its target is missing. */
export function aliasView(r: Extract<SourceRecord, { kind: 'alias' }>, record: Lookup): SourceView {
  const target = record(r.target);
  const targetView = target && target.kind !== 'alias' && target.kind !== 'default-chain' ? inputView(target.id, target.input, target.kind, record) : undefined;
  return {
    id: r.id,
    name: 'Default',
    type: targetView?.type ?? 'none',
    summary: targetView
      ? `${r.spec}: ${targetView.summary}`
      : `${r.spec} (source "${r.target}" does not exist: containers get no credentials)`,
    settings: { spec: r.spec, target: r.target },
    builtIn: true,
    assignedTo: [],
  };
}

/** Where an assume-role source gets its base credentials, in words. */
function baseName(baseSourceId: string, record: Lookup): string {
  const baseRecord = record(baseSourceId);
  if (baseRecord?.kind === 'default-chain') return "the backend's default credentials";
  if (baseRecord?.kind === 'alias') return 'the default source';
  return baseRecord ? baseRecord.input.name : `"${baseSourceId}" (missing)`;
}

/** A built-in, user or derived source. `assignedTo` is left empty for the caller to fill. */
export function inputView(id: string, input: SourceInput, kind: 'builtin' | 'user' | 'derived', record: Lookup): SourceView {
  const base = { id, name: input.name, type: input.type, builtIn: kind !== 'user', assignedTo: [] as string[] };
  switch (input.type) {
    case 'none':
      return { ...base, summary: 'no credentials (ECS mode without a task role)', settings: {} };
    case 'fake':
      return {
        ...base,
        summary: input.roleArn ? `fake credentials as ${input.roleArn} (no network)` : 'fake credentials, role named after the task family (no network)',
        settings: { roleArn: input.roleArn },
      };
    case 'profile':
      return { ...base, summary: `profile ${input.profile}`, settings: { profile: input.profile } };
    case 'assume-role': {
      const role = input.roleArn ?? `role ${input.roleName} in the base account`;
      return {
        ...base,
        summary: `assume ${role} from ${baseName(input.baseSourceId, record)}`,
        settings: {
          roleArn: input.roleArn,
          roleName: input.roleName,
          baseSourceId: input.baseSourceId,
          sessionName: input.sessionName,
          externalId: input.externalId,
          durationSeconds: input.durationSeconds,
          tags: input.tags,
        },
      };
    }
    case 'static':
      return {
        ...base,
        summary: `static ${maskKey(input.accessKeyId)}${input.sessionToken ? ' (session credentials)' : ' (exchanged with GetSessionToken)'}`,
        // The access key id identifies keys without granting anything; the UI needs it to edit the source.
        settings: { accessKeyId: input.accessKeyId, keyType: input.sessionToken ? 'session' : 'long-term' },
      };
  }
}
