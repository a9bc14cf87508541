import { useCallback, useEffect, useState } from 'react';
import Button from '@mui/material/Button';
import Alert from '@mui/material/Alert';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ProfileDetails, ProfileView, SsoSignInStart } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { SignInDialog } from './SignInDialog.tsx';

const KIND: Record<ProfileView['kind'], string> = { keys: 'access keys', role: 'role chain', sso: 'SSO', process: 'credential_process', none: 'no credentials' };
const STATE: Record<ProfileView['state'], { label: string; color: 'success' | 'warning' | 'error' | 'default' }> = {
  ready: { label: 'ready', color: 'success' },
  'signed-in': { label: 'signed in', color: 'success' },
  expired: { label: 'expired', color: 'warning' },
  'signed-out': { label: 'not signed in', color: 'warning' },
  waiting: { label: 'needs the dashboard', color: 'warning' },
  broken: { label: 'cannot be used', color: 'error' },
};

/** The AWS profiles the backend can use as sources (in Docker Desktop, read from the person's machine). */
export function ProfilesTable({ refreshKey }: { refreshKey?: unknown }) {
  const { client, notifyError, notifySuccess } = useApi();
  const [details, setDetails] = useState<ProfileDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [signingIn, setSigningIn] = useState<{ profile: string; start: SsoSignInStart } | null>(null);
  const [starting, setStarting] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  // The backend starts the device authorization; the page to approve it opens in the person's browser.
  const signIn = async (profile: string) => {
    setStarting(profile);
    try {
      const start = await client.startSignIn(profile);
      client.transport.openExternal(start.verificationUriComplete ?? start.verificationUri);
      setSigningIn({ profile, start });
    } catch (e) {
      notifyError(e, `Signing in to ${profile} could not start`);
    } finally {
      setStarting(null);
    }
  };
  const signedIn = useCallback(() => {
    if (signingIn) notifySuccess(`Signed in to ${signingIn.profile}.`);
    setSigningIn(null);
    setReloads((n) => n + 1);
  }, [signingIn, notifySuccess]);

  useEffect(() => {
    let cancelled = false;
    client.getProfileDetails().then(
      (d) => !cancelled && (setDetails(d), setError(null)),
      (e: unknown) => !cancelled && setError((e as Error).message),
    );
    return () => {
      cancelled = true;
    };
  }, [client, refreshKey, reloads]);

  if (error) return <Typography variant="body2" color="error">Your AWS profiles could not be read: {error}</Typography>;
  if (!details) return null;
  const { profiles, problems } = details;
  const skipped = problems.length > 0 && (
    <Alert severity="warning" sx={{ mb: 1 }}>
      {problems.map((p) => (
        <div key={`${p.file}:${p.line}`}>{p.message}</div>
      ))}
    </Alert>
  );
  if (profiles.length === 0) {
    return (
      <>
        {skipped}
        <Typography variant="body2" color="text.secondary">
          No AWS profiles found. Add one with <code>aws configure</code> or <code>aws configure sso</code>, then open this
          tab again.
        </Typography>
      </>
    );
  }
  return (
    <>
      {skipped}
      <TableContainer component={Paper} variant="outlined">
        <Table size="small" aria-label="AWS profiles" sx={{ minWidth: 640 }}>
          <TableHead>
            <TableRow>
              <TableCell>Profile</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Region</TableCell>
              <TableCell>State</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {profiles.map((p) => (
              <TableRow key={p.name}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{p.name}</TableCell>
                <TableCell>{KIND[p.kind]}</TableCell>
                <TableCell>{p.region ?? '—'}</TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" color={STATE[p.state].color} label={STATE[p.state].label} />
                  {p.validUntil && (p.state === 'signed-in' || p.kind === 'process') && (
                    <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                      until {new Date(p.validUntil).toLocaleString()}
                    </Typography>
                  )}
                  {p.detail && (
                    <Typography variant="caption" color="text.secondary" display="block">
                      {p.detail}
                    </Typography>
                  )}
                </TableCell>
                <TableCell align="right">
                  {p.kind === 'sso' && p.state !== 'broken' && (
                    <Button size="small" variant={p.state === 'signed-in' ? 'text' : 'outlined'} disabled={starting !== null} onClick={() => void signIn(p.name)} aria-label={`Sign in to ${p.name}`}>
                      {p.state === 'signed-in' ? 'Sign in again' : 'Sign in'}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {signingIn && <SignInDialog profile={signingIn.profile} start={signingIn.start} onClose={() => setSigningIn(null)} onSignedIn={signedIn} />}
    </>
  );
}
