import { useRef } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import type { ContainerView } from '@ecs-endpoints/contract';
import { ECS_ENVIRONMENT, UNLESS_SET } from './ecsEnvironment.ts';
import { monoFont } from '../common/Mono.tsx';

/** Confirms recreating a container that lacks the ECS environment. */
export function RecreateDialog({
  container,
  onCancel,
  onConfirm,
}: {
  container: ContainerView | null;
  onCancel: () => void;
  onConfirm: (c: ContainerView) => void;
}) {
  const open = container !== null;
  // Keep the text while the dialog fades out.
  const last = useRef(container);
  if (container) last.current = container;
  const shown = last.current;
  return (
    <Dialog open={open} onClose={onCancel} aria-labelledby="recreate-title" aria-describedby="recreate-description" maxWidth="sm" fullWidth>
      <DialogTitle id="recreate-title">Recreate {shown?.name} to enable ECS mode?</DialogTitle>
      <DialogContent>
        <Box id="recreate-description">
          <Typography variant="body2" paragraph>
            Environment variables cannot be added to a running container, and without them the AWS SDKs won’t look for the
            endpoints. So ECS Endpoints will recreate <strong>{shown?.name}</strong> with the same configuration (image,
            command, volumes, ports, networks, labels) plus these variables:
          </Typography>
          <Box component="ul" sx={{ mt: 0, mb: 2, pl: 3, fontFamily: monoFont, fontSize: 13 }}>
            {ECS_ENVIRONMENT.map((v) => (
              <li key={v}>
                {v}
                {UNLESS_SET.has(v) && (
                  <Box component="span" sx={{ fontFamily: 'inherit', color: 'text.secondary' }}>
                    {' '}
                    (unless already set)
                  </Box>
                )}
              </li>
            ))}
          </Box>
          <Typography variant="body2" color="text.secondary">
            The container gets a new id, and files written inside it outside volumes are lost. To avoid recreating next time,
            start it with the label <code>ecs-endpoints.enable=true</code>.
          </Typography>
        </Box>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="contained" onClick={() => container && onConfirm(container)} autoFocus>
          Recreate and enable
        </Button>
      </DialogActions>
    </Dialog>
  );
}
