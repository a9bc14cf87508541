import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import type { SsoSignInStart, SsoSignInStatus } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';
import { FakeTransport } from '../test/fakeTransport.ts';
import { renderApp } from '../test/render.tsx';

const START: SsoSignInStart = {
  verificationUri: 'https://device.sso.eu-west-1.amazonaws.com/',
  verificationUriComplete: 'https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH',
  userCode: 'ABCD-EFGH',
  expiresAt: '2026-11-30T08:10:00.000Z',
};

async function openProfiles(prepare: (t: FakeTransport) => void = () => {}) {
  const t = new FakeTransport();
  t.profileDetails = [
    { name: 'default', kind: 'keys', state: 'ready' },
    { name: 'dev', region: 'eu-west-1', kind: 'sso', state: 'signed-out', detail: 'No SSO session: sign in here, or run aws sso login --profile dev on the host.' },
    { name: 'ops', kind: 'sso', state: 'signed-in', validUntil: '2026-11-30T08:00:00.000Z', signedInFrom: 'aws-cli' },
    { name: 'half', kind: 'sso', state: 'broken', detail: 'Its sso_session "x" has no [sso-session x] section.' },
  ];
  prepare(t);
  const r = renderApp(t);
  await r.user.click(screen.getByRole('tab', { name: 'Sources' }));
  await screen.findByRole('table', { name: 'AWS profiles' });
  return { t, ...r };
}

const rowOf = (name: string) => screen.getByRole('cell', { name }).closest('tr') as HTMLElement;

describe('signing in to SSO from the profiles table', () => {
  it('offers Sign in on signed-out SSO profiles, Sign in again on signed-in ones, nothing on others', async () => {
    await openProfiles();
    expect(within(rowOf('dev')).getByRole('button', { name: 'Sign in to dev' })).toHaveTextContent('Sign in');
    expect(within(rowOf('ops')).getByRole('button', { name: 'Sign in to ops' })).toHaveTextContent('Sign in again');
    expect(within(rowOf('default')).queryByRole('button')).not.toBeInTheDocument();
    expect(within(rowOf('half')).queryByRole('button')).not.toBeInTheDocument();
  });

  it('starts the sign-in, opens the page in the browser, shows the code, waits, then shows the profile signed in', async () => {
    let state: SsoSignInStatus = { state: 'pending', userCode: START.userCode, verificationUri: START.verificationUri };
    const { t, user } = await openProfiles((t) => {
      t.on('POST', '/api/profiles/dev/sign-in', () => START);
      t.on('GET', '/api/profiles/dev/sign-in', () => state);
    });
    await user.click(screen.getByRole('button', { name: 'Sign in to dev' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to dev' });
    expect(t.opened).toEqual([START.verificationUriComplete]);
    expect(within(dialog).getByLabelText('Code')).toHaveTextContent('ABCD-EFGH');
    expect(within(dialog).getByRole('status')).toHaveTextContent('Waiting for approval');
    await waitFor(() => expect(t.callsTo('GET', '/api/profiles/dev/sign-in').length).toBeGreaterThan(0), { timeout: 3000 });

    t.profileDetails = t.profileDetails.map((p) => (p.name === 'dev' ? { ...p, state: 'signed-in', validUntil: '2026-11-30T09:00:00.000Z', signedInFrom: 'dashboard', detail: 'Signed in from the dashboard; the backend renews the session until it ends.' } : p));
    state = { state: 'signed-in', validUntil: '2026-11-30T09:00:00.000Z', renewable: true };
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument(), { timeout: 3000 });
    expect(await screen.findByText('Signed in to dev.')).toBeInTheDocument();
    await waitFor(() => expect(within(rowOf('dev')).getByText('signed in')).toBeInTheDocument());
    expect(within(rowOf('dev')).getByText(/Signed in from the dashboard/)).toBeInTheDocument();
  });

  it('an OIDC endpoint that does not answer: the error with its remedy, no dialog, the table as it was', async () => {
    const { t, user } = await openProfiles((t) =>
      t.on('POST', '/api/profiles/dev/sign-in', () => {
        throw new ApiRequestError(502, { error: "IAM Identity Center's sign-in service at https://oidc.eu-west-9.amazonaws.com did not answer (starting the sign-in: getaddrinfo ENOTFOUND).", remedy: 'Check sso_region (eu-west-9) and sso_start_url in [sso-session corp]. Nothing was changed.' });
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Sign in to dev' }));
    const notice = await screen.findByTestId('notice');
    expect(notice).toHaveTextContent('Signing in to dev could not start: IAM Identity Center');
    expect(notice).toHaveTextContent('Check sso_region (eu-west-9)');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(t.opened).toEqual([]);
    expect(within(rowOf('dev')).getByText('not signed in')).toBeInTheDocument();
  });

  it('a sign-in that is not approved in time says so; Cancel stops a pending one', async () => {
    const { t, user } = await openProfiles((t) => {
      t.on('POST', '/api/profiles/dev/sign-in', () => START);
      t.on('GET', '/api/profiles/dev/sign-in', () => ({ state: 'expired', message: 'The sign-in was not approved in time. Start it again and approve it in the browser.' }));
      t.on('DELETE', '/api/profiles/ops/sign-in', () => undefined);
      t.on('POST', '/api/profiles/ops/sign-in', () => START);
      t.on('GET', '/api/profiles/ops/sign-in', () => ({ state: 'pending' }));
    });
    await user.click(screen.getByRole('button', { name: 'Sign in to dev' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign in to dev' });
    expect(await within(dialog).findByText(/not approved in time/, undefined, { timeout: 3000 })).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(t.callsTo('DELETE', '/api/profiles/dev/sign-in')).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Sign in to ops' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Sign in to ops' })).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(t.callsTo('DELETE', '/api/profiles/ops/sign-in')).toHaveLength(1));
  });
});
