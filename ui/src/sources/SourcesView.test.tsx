import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import type { SourceView } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import { FakeTransport, deferred } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';

async function openSources(prepare: (t: FakeTransport) => void = () => {}) {
  const t = new FakeTransport();
  prepare(t);
  const r = renderApp(t);
  await r.user.click(screen.getByRole('tab', { name: 'Sources' }));
  await screen.findByRole('table', { name: 'Credential sources' });
  return { t, ...r };
}

function rowOf(name: string): HTMLElement {
  return screen.getByRole('rowheader', { name: new RegExp(`^${name}`) }).closest('tr') as HTMLElement;
}

describe('sources list', () => {
  it('lists sources with type, summary and how many containers use them', async () => {
    await openSources((t) => {
      t.sources = [
        ...t.sources.slice(0, 2),
        { id: 'src-dev', name: 'dev profile', type: 'profile', summary: 'profile dev', settings: { profile: 'dev' }, builtIn: false, assignedTo: ['c1', 'c2'] },
      ];
    });
    const dev = rowOf('dev profile');
    expect(within(dev).getByText('AWS profile')).toBeInTheDocument();
    expect(within(dev).getByText('profile dev')).toBeInTheDocument();
    expect(within(dev).getByText('2 containers')).toBeInTheDocument();
    expect(within(rowOf('none')).getByText('default')).toBeInTheDocument();
  });

  it('built-in sources cannot be edited or deleted', async () => {
    await openSources();
    expect(within(rowOf('fake')).queryByRole('button', { name: /Edit|Delete/ })).not.toBeInTheDocument();
    expect(within(rowOf('dev profile')).getByRole('button', { name: 'Edit dev profile' })).toBeInTheDocument();
    expect(within(rowOf('dev profile')).getByRole('button', { name: 'Delete dev profile' })).toBeInTheDocument();
  });
});

describe('source form', () => {
  it('validates on the client and shows field errors without calling the API', async () => {
    const { t, user } = await openSources();
    await user.click(screen.getByRole('button', { name: 'Add source' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a credential source' });
    await user.click(within(dialog).getByRole('combobox', { name: /Type/ }));
    await user.click(await screen.findByRole('option', { name: 'Assume a role' }));
    await user.type(within(dialog).getByRole('textbox', { name: 'Role ARN' }), 'arn:aws:iam::123:role/x');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(within(dialog).getByRole('textbox', { name: /^Name/ })).toHaveAccessibleDescription('Give the source a name.');
    expect(within(dialog).getByRole('textbox', { name: 'Role ARN' })).toHaveAccessibleDescription(/A role ARN looks like arn:aws:iam::123456789012:role\/my-role/);
    expect(within(dialog).getByRole('textbox', { name: 'Role ARN' })).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByText('Choose the source that assumes the role.')).toBeInTheDocument();
    expect(t.mutations()).toEqual([]);
  });

  it('creates a profile source with suggestions from /api/profiles', async () => {
    const { t, user } = await openSources();
    const created: SourceView = { id: 'src-prod', name: 'prod', type: 'profile', summary: 'profile prod', settings: { profile: 'prod' }, builtIn: false, assignedTo: [] };
    t.on('POST', '/api/sources', () => {
      t.sources = [...t.sources, created];
      return created;
    });
    await user.click(screen.getByRole('button', { name: 'Add source' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a credential source' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'prod');
    await user.click(within(dialog).getByRole('combobox', { name: /^Profile/ }));
    await user.click(await screen.findByRole('option', { name: 'prod' }));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(t.mutations()).toHaveLength(1));
    expect(t.mutations()[0]).toEqual({ method: 'POST', path: '/api/sources', body: { type: 'profile', name: 'prod', profile: 'prod' } });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(await screen.findByRole('rowheader', { name: /^prod/ })).toBeInTheDocument();
  });

  it('maps server-side issues to fields and shows the error with its remedy', async () => {
    const { t, user } = await openSources();
    t.on('POST', '/api/sources', () => {
      throw new ApiRequestError(400, {
        error: 'The profile does not exist.',
        remedy: 'Run aws configure --profile nope, or pick one of the suggestions.',
        issues: [{ path: 'profile', message: 'No profile named nope in ~/.aws/config.' }],
      });
    });
    await user.click(screen.getByRole('button', { name: 'Add source' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a credential source' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'x');
    await user.type(within(dialog).getByRole('combobox', { name: /^Profile/ }), 'nope');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('No profile named nope in ~/.aws/config.')).toBeInTheDocument();
    expect(within(dialog).getByText('The profile does not exist.')).toBeInTheDocument();
    expect(within(dialog).getByText(/Run aws configure --profile nope/)).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('edits a static source without resending the secret when left blank', async () => {
    const { t, user } = await openSources((t) => {
      t.sources = [
        ...t.sources,
        { id: 'src-key', name: 'ci key', type: 'static', summary: 'static AKIA…MPLE', settings: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }, builtIn: false, assignedTo: [] },
      ];
    });
    t.on('PUT', '/api/sources/src-key', ({ body }) => ({ ...(body as object), id: 'src-key' }));
    await user.click(within(rowOf('ci key')).getByRole('button', { name: 'Edit ci key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit source ci key' });
    const secret = within(dialog).getByLabelText(/^Secret access key/);
    expect(secret).toHaveAttribute('type', 'password');
    expect(secret).toHaveValue('');
    expect(within(dialog).getByText('Leave blank to keep the stored secret.')).toBeInTheDocument();
    await user.clear(within(dialog).getByRole('textbox', { name: /^Name/ }));
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'ci key 2');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(t.mutations()).toHaveLength(1));
    expect(t.mutations()[0]).toEqual({
      method: 'PUT',
      path: '/api/sources/src-key',
      body: { type: 'static', name: 'ci key 2', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
    });
  });

  it('deletes after confirmation', async () => {
    const { t, user } = await openSources();
    t.on('DELETE', '/api/sources/src-dev', () => {
      t.sources = t.sources.filter((s) => s.id !== 'src-dev');
      return undefined;
    });
    await user.click(within(rowOf('dev profile')).getByRole('button', { name: 'Delete dev profile' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete source dev profile?' });
    expect(t.mutations()).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: /^dev profile/ })).not.toBeInTheDocument());
    expect(t.mutations()).toEqual([{ method: 'DELETE', path: '/api/sources/src-dev', body: undefined }]);
  });
});

describe('source test', () => {
  it('shows the account and ARN', async () => {
    const { t, user } = await openSources();
    const pending = deferred<unknown>();
    t.on('POST', '/api/sources/src-dev/test', () => pending.promise);
    const test = within(rowOf('dev profile')).getByRole('button', { name: 'Test' });
    await user.click(test);
    expect(test).toBeDisabled();
    pending.resolve({ ok: true, account: '123456789012', arn: 'arn:aws:sts::123456789012:assumed-role/dev/me' });
    const result = await screen.findByRole('alert', { name: 'Test result for dev profile' });
    expect(result).toHaveTextContent('123456789012');
    expect(result).toHaveTextContent('arn:aws:sts::123456789012:assumed-role/dev/me');
  });

  it('shows the failure and its remedy', async () => {
    const { t, user } = await openSources();
    t.on('POST', '/api/sources/src-dev/test', () => ({
      ok: false,
      error: 'The SSO session for profile dev has expired.',
      remedy: 'Run aws sso login --profile dev, then test again.',
    }));
    await user.click(within(rowOf('dev profile')).getByRole('button', { name: 'Test' }));
    const result = await screen.findByRole('alert', { name: 'Test result for dev profile' });
    expect(result).toHaveTextContent('The SSO session for profile dev has expired.');
    expect(result).toHaveTextContent('Run aws sso login --profile dev, then test again.');
  });

  it('shows an API error from the test call the same way', async () => {
    const { t, user } = await openSources();
    t.on('POST', '/api/sources/src-dev/test', () => {
      throw new ApiRequestError(504, { error: 'STS did not answer within 5 s.', remedy: 'Check your network or VPN.' });
    });
    await user.click(within(rowOf('dev profile')).getByRole('button', { name: 'Test' }));
    const result = await screen.findByRole('alert', { name: 'Test result for dev profile' });
    expect(result).toHaveTextContent('STS did not answer within 5 s.');
    expect(result).toHaveTextContent('Check your network or VPN.');
  });
});

describe('Your AWS profiles', () => {
  it('lists each profile with its kind, region and state, and why one cannot be used', async () => {
    await openSources();
    const table = await screen.findByRole('table', { name: 'AWS profiles' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['default', 'dev', 'prod']);
    expect(within(rows[0]!).getByText('access keys')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('SSO')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('signed in')).toBeInTheDocument();
    expect(within(rows[1]!).getByText(/^until /)).toBeInTheDocument();
    expect(within(rows[2]!).getByText('cannot be used')).toBeInTheDocument();
    expect(within(rows[2]!).getByText(/source profile "ops" does not exist/)).toBeInTheDocument();
  });

  it('says which lines of the files the SDKs would skip', async () => {
    await openSources((t) => (t.profileProblems = [{ file: '/home/me/.aws/config', line: 7, message: 'Line 7 of /home/me/.aws/config is neither a [section] nor a name = value line; the AWS SDKs skip it.' }]));
    expect(await screen.findByText(/Line 7 of \/home\/me\/\.aws\/config/)).toBeInTheDocument();
  });

  it('says how to add one when there is none', async () => {
    await openSources((t) => (t.profileDetails = []));
    expect(await screen.findByText(/No AWS profiles found/)).toBeInTheDocument();
  });
});
