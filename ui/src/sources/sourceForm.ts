import { SourceInputSchema, type SourceInput, type SourceType, type SourceView } from '@ecs-endpoints/contract';

/** What the form holds: every field as text, whatever the type. */
export interface FormValues {
  type: SourceType;
  name: string;
  roleArn: string;
  roleName: string;
  profile: string;
  baseSourceId: string;
  sessionName: string;
  externalId: string;
  durationSeconds: string;
  /** key=value, one per line. */
  tags: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export type FieldName = Exclude<keyof FormValues, never>;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const FIELDS_BY_TYPE: Record<SourceType, FieldName[]> = {
  none: ['name'],
  fake: ['name', 'roleArn'],
  profile: ['name', 'profile'],
  'assume-role': ['name', 'roleArn', 'roleName', 'baseSourceId', 'sessionName', 'externalId', 'durationSeconds', 'tags'],
  static: ['name', 'accessKeyId', 'secretAccessKey', 'sessionToken'],
};

export const TYPE_LABELS: Record<SourceType, string> = {
  none: 'No credentials',
  fake: 'Fake credentials',
  profile: 'AWS profile',
  'assume-role': 'Assume a role',
  static: 'Static access key',
};

export const TYPE_HELP: Record<SourceType, string> = {
  none: 'The credentials endpoint answers with an error, as on a task without a task role. Metadata still works.',
  fake: 'Credentials that look real but are not: for code that needs credentials and never reaches AWS (or talks to a local emulator).',
  profile: 'The credentials of a profile in your AWS config (~/.aws/config and ~/.aws/credentials).',
  'assume-role': 'Calls sts:AssumeRole with another source’s credentials, as ECS does with a task role.',
  static: 'An access key you paste here. The secret is stored by the backend and never shown again.',
};

export function emptyValues(type: SourceType = 'profile'): FormValues {
  return {
    type,
    name: '',
    roleArn: '',
    roleName: '',
    profile: '',
    baseSourceId: '',
    sessionName: '',
    externalId: '',
    durationSeconds: '',
    tags: '',
    accessKeyId: '',
    secretAccessKey: '',
    sessionToken: '',
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Prefills the form from a source's non-secret settings. */
export function valuesFromSource(s: SourceView): FormValues {
  const v = emptyValues(s.type);
  v.name = s.name;
  const st = s.settings;
  v.roleArn = str(st.roleArn);
  v.roleName = str(st.roleName);
  v.profile = str(st.profile);
  v.baseSourceId = str(st.baseSourceId);
  v.sessionName = str(st.sessionName);
  v.externalId = str(st.externalId);
  v.durationSeconds = str(st.durationSeconds);
  v.accessKeyId = str(st.accessKeyId);
  const tags = st.tags;
  if (tags && typeof tags === 'object') {
    v.tags = Object.entries(tags)
      .map(([k, val]) => `${k}=${val}`)
      .join('\n');
  }
  return v;
}

function parseTags(text: string): { tags?: Record<string, string>; error?: string } {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return {};
  const tags: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `“${line}” is not key=value. Write one tag per line, e.g. team=orders.` };
    tags[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { tags };
}

/** The first segment of an issue path names the form field ("tags.team" → tags). */
export function fieldOfPath(path: string | readonly PropertyKey[]): FieldName | undefined {
  const first = typeof path === 'string' ? path.split(/[./[\]]/).find(Boolean) : path[0];
  if (typeof first !== 'string') return undefined;
  return first in emptyValues() ? (first as FieldName) : undefined;
}

/** Maps issues to fields; what maps to no visible field is returned as form-level messages. */
export function issuesToErrors(
  issues: { path: string | readonly PropertyKey[]; message: string }[],
  visible: FieldName[],
): { fields: FieldErrors; form: string[] } {
  const fields: FieldErrors = {};
  const form: string[] = [];
  for (const issue of issues) {
    const f = fieldOfPath(issue.path);
    if (f && visible.includes(f)) {
      fields[f] ??= issue.message;
    } else {
      form.push(issue.message);
    }
  }
  return { fields, form };
}

export type BuildResult = { ok: true; input: SourceInput } | { ok: false; fields: FieldErrors; form: string[] };

/** Builds the API input from the form and validates it with the contract's schema. */
export function buildInput(values: FormValues, mode: 'create' | 'edit'): BuildResult {
  const fields: FieldErrors = {};
  const raw: Record<string, unknown> = { type: values.type, name: values.name };
  const opt = (key: FieldName) => {
    const v = values[key].trim();
    if (v) raw[key] = v;
  };
  switch (values.type) {
    case 'none':
      break;
    case 'fake':
      opt('roleArn');
      break;
    case 'profile':
      raw.profile = values.profile;
      break;
    case 'assume-role': {
      opt('roleArn');
      opt('roleName');
      raw.baseSourceId = values.baseSourceId;
      opt('sessionName');
      opt('externalId');
      const d = values.durationSeconds.trim();
      if (d) {
        if (!/^\d+$/.test(d)) fields.durationSeconds = 'Enter a whole number of seconds, 900 to 43200.';
        else raw.durationSeconds = Number(d);
      }
      const t = parseTags(values.tags);
      if (t.error) fields.tags = t.error;
      else if (t.tags) raw.tags = t.tags;
      break;
    }
    case 'static':
      raw.accessKeyId = values.accessKeyId;
      if (values.secretAccessKey) raw.secretAccessKey = values.secretAccessKey;
      else if (mode === 'create') fields.secretAccessKey = 'Enter the secret access key.';
      if (values.sessionToken.trim()) raw.sessionToken = values.sessionToken.trim();
      break;
  }
  const parsed = SourceInputSchema.safeParse(raw);
  const visible = FIELDS_BY_TYPE[values.type];
  if (parsed.success && Object.keys(fields).length === 0) return { ok: true, input: parsed.data };
  const mapped = parsed.success ? { fields: {}, form: [] } : issuesToErrors(parsed.error.issues, visible);
  return { ok: false, fields: { ...mapped.fields, ...fields }, form: mapped.form };
}
