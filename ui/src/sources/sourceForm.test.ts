import { describe, expect, it } from 'vitest';
import { buildInput, emptyValues, fieldOfPath, issuesToErrors, valuesFromSource } from './sourceForm.ts';

describe('source form model', () => {
  it('builds a valid assume-role input, omitting empty optionals and parsing tags', () => {
    const v = { ...emptyValues('assume-role'), name: 'orders', roleArn: 'arn:aws:iam::123456789012:role/orders-task', baseSourceId: 'src-dev', durationSeconds: '3600', tags: 'team=orders\n\nenv = local' };
    const r = buildInput(v, 'create');
    expect(r).toEqual({
      ok: true,
      input: {
        type: 'assume-role',
        name: 'orders',
        roleArn: 'arn:aws:iam::123456789012:role/orders-task',
        baseSourceId: 'src-dev',
        durationSeconds: 3600,
        tags: { team: 'orders', env: 'local' },
      },
    });
  });

  it('reports field errors from the contract schema', () => {
    const r = buildInput({ ...emptyValues('assume-role'), name: '', roleArn: 'nope', tags: 'oops' }, 'create');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.fields.name).toBe('Give the source a name.');
    expect(r.fields.roleArn).toMatch(/A role ARN looks like arn:aws:iam::123456789012:role\/my-role/);
    expect(r.fields.baseSourceId).toBe('Choose the source that assumes the role.');
    expect(r.fields.tags).toMatch(/not key=value/);
  });

  it('requires exactly one of role ARN and role name', () => {
    const r = buildInput({ ...emptyValues('assume-role'), name: 'x', baseSourceId: 'b' }, 'create');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields.roleArn).toBe('Give either a role ARN or a role name, not both.');
  });

  it('static: secret required on create, optional on edit', () => {
    const v = { ...emptyValues('static'), name: 'k', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' };
    const create = buildInput(v, 'create');
    expect(create.ok).toBe(false);
    if (!create.ok) expect(create.fields.secretAccessKey).toBe('Enter the secret access key.');
    expect(buildInput(v, 'edit')).toEqual({ ok: true, input: { type: 'static', name: 'k', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } });
  });

  it('maps issue paths to fields, the rest to the form', () => {
    expect(fieldOfPath('tags.team')).toBe('tags');
    expect(fieldOfPath(['roleArn'])).toBe('roleArn');
    expect(fieldOfPath('whatever')).toBeUndefined();
    expect(
      issuesToErrors(
        [
          { path: 'profile', message: 'No profile dev2 in ~/.aws/config.' },
          { path: '', message: 'A source named dev exists.' },
          { path: 'roleArn', message: 'not shown for a profile source' },
        ],
        ['name', 'profile'],
      ),
    ).toEqual({ fields: { profile: 'No profile dev2 in ~/.aws/config.' }, form: ['A source named dev exists.', 'not shown for a profile source'] });
  });

  it('prefills from a source view', () => {
    const v = valuesFromSource({
      id: 's',
      name: 'orders',
      type: 'assume-role',
      summary: '',
      settings: { roleName: 'orders-task', baseSourceId: 'dev', durationSeconds: 900, tags: { a: '1' } },
      builtIn: false,
      assignedTo: [],
    });
    expect(v).toMatchObject({ type: 'assume-role', name: 'orders', roleName: 'orders-task', baseSourceId: 'dev', durationSeconds: '900', tags: 'a=1' });
  });
});
