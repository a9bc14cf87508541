import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import type { SsoSignInStart, SsoSignInStatus } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { describeError } from '../api/errors.ts';

export interface SignInDialogProps {
  profile: string;
  start: SsoSignInStart;
  onClose(): void;
  onSignedIn(): void;
  /** How often the sign-in's state is asked for. */
  pollMs?: number;
}

/**
 * While the person approves the sign-in in their browser: the code to compare with the page's, a
 * way to open the page again, and the state, asked for until it is no longer pending (the backend
 * does the waiting; closing this dialog does not stop it, Cancel does).
 */
export function SignInDialog({ profile, start, onClose, onSignedIn, pollMs = 1000 }: SignInDialogProps) {
  const { client } = useApi();
  const [status, setStatus] = useState<SsoSignInStatus>({ state: 'pending' });
  const [pollError, setPollError] = useState<string | null>(null);
  const url = start.verificationUriComplete ?? start.verificationUri;

  useEffect(() => {
    if (status.state !== 'pending') return;
    const timer = setInterval(() => {
      client.signInStatus(profile).then(
        (s) => {
          setPollError(null);
          setStatus(s);
          if (s.state === 'signed-in') onSignedIn();
        },
        (e: unknown) => setPollError(describeError(e).message),
      );
    }, pollMs);
    return () => clearInterval(timer);
  }, [client, profile, pollMs, status.state, onSignedIn]);

  const cancel = () => {
    if (status.state === 'pending') void client.cancelSignIn(profile).catch(() => undefined);
    onClose();
  };

  return (
    <Dialog open onClose={cancel} aria-labelledby="sign-in-title" maxWidth="sm" fullWidth>
      <DialogTitle id="sign-in-title">Sign in to {profile}</DialogTitle>
      <DialogContent>
        <Stack spacing={2}>
          <Typography variant="body2">
            Approve the sign-in on the page that opened in your browser. Check that it shows this code:
          </Typography>
          <Typography variant="h5" component="p" sx={{ fontFamily: 'monospace', letterSpacing: 2 }} aria-label="Code">
            {start.userCode}
          </Typography>
          {status.state === 'pending' && (
            <Stack direction="row" spacing={1} alignItems="center" role="status">
              <CircularProgress size={16} />
              <Typography variant="body2">Waiting for approval…</Typography>
            </Stack>
          )}
          {status.message && status.state === 'pending' && <Alert severity="warning">{status.message}</Alert>}
          {pollError && <Alert severity="warning">The state of the sign-in could not be read: {pollError}</Alert>}
          {status.state !== 'pending' && status.state !== 'signed-in' && (
            <Alert severity="error">{status.message ?? `The sign-in ended (${status.state}).`}</Alert>
          )}
          <Typography variant="caption" color="text.secondary">
            No page opened? Open <a href={url} target="_blank" rel="noreferrer noopener" onClick={(e) => (e.preventDefault(), client.transport.openExternal(url))}>{start.verificationUri}</a> and enter the code.
            The backend keeps the session signed in and renews it, also while this dashboard is closed.
          </Typography>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={cancel}>{status.state === 'pending' ? 'Cancel' : 'Close'}</Button>
      </DialogActions>
    </Dialog>
  );
}
