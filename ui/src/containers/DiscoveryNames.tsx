import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import EditIcon from '@mui/icons-material/Edit';
import { DISCOVERY_NAME, splitNames, type ContainerView, type DiscoveryNameView } from '@ecs-endpoints/contract';
import { ApiRequestError } from '../api/errors.ts';

const ORIGIN: Record<DiscoveryNameView['origin'], string> = {
  own: 'set here',
  label: 'from its ecs-endpoints.discovery-names label',
  preset: 'from its preset',
  member: 'from a container sharing its network namespace',
};

function describe(n: DiscoveryNameView): string {
  if (n.heldBy) return `${n.name}: not set, "${n.heldBy}" holds it (${ORIGIN[n.origin]})`;
  return `${n.name}: ${n.active ? 'resolves to this container on the network' : 'applied when it joins the network'} (${ORIGIN[n.origin]})`;
}

/** The container's service discovery names as chips, and a button to edit its own ones. */
export function DiscoveryNamesCell({ container: c, onEdit }: { container: ContainerView; onEdit: (c: ContainerView) => void }) {
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 0.5, maxWidth: 220 }}>
      {c.discovery.names.map((n) => (
        <Tooltip key={n.name} title={describe(n)}>
          <Chip
            size="small"
            label={n.name}
            tabIndex={0}
            aria-label={describe(n)}
            color={n.heldBy ? 'error' : n.active ? 'primary' : 'default'}
            variant={n.active ? 'filled' : 'outlined'}
            sx={n.heldBy ? { textDecoration: 'line-through' } : undefined}
          />
        </Tooltip>
      ))}
      <IconButton size="small" aria-label={`Edit discovery names of ${c.name}`} onClick={() => onEdit(c)}>
        <EditIcon fontSize="small" />
      </IconButton>
    </Box>
  );
}

/** Edits a container's own discovery names; a refusal (a name another container holds) stays in the dialog. */
export function DiscoveryNamesDialog({
  container,
  onClose,
  onSave,
}: {
  container: ContainerView;
  onClose: () => void;
  onSave: (c: ContainerView, names: string[]) => Promise<void>;
}) {
  const own = container.discovery.names.filter((n) => n.origin === 'own').map((n) => n.name);
  const others = container.discovery.names.filter((n) => n.origin !== 'own');
  const [text, setText] = useState(own.join(', '));
  const [error, setError] = useState<{ message: string; remedy?: string }>();
  const [saving, setSaving] = useState(false);
  const names = splitNames(text);
  const invalid = names.filter((n) => !DISCOVERY_NAME.test(n));

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await onSave(container, names);
      onClose();
    } catch (e) {
      setError(e instanceof ApiRequestError ? { message: e.message, ...(e.remedy ? { remedy: e.remedy } : {}) } : { message: (e as Error).message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby="discovery-title" maxWidth="sm" fullWidth>
      <DialogTitle id="discovery-title">Discovery names of {container.name}</DialogTitle>
      <DialogContent>
        <Typography variant="body2" paragraph>
          Names other containers on the ECS Endpoints network reach this one by, as Service Connect client aliases (
          <code>orders</code>) or Cloud Map names (<code>orders.local</code>) do on ECS. They are kept by container name, so
          they follow it when it is recreated.
        </Typography>
        <TextField
          autoFocus
          fullWidth
          size="small"
          label="Names (comma separated)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={invalid.length > 0}
          helperText={
            invalid.length > 0
              ? `Not a DNS name in lower case: ${invalid.join(', ')}`
              : 'Letters, digits and -, in labels joined by dots, e.g. orders, orders.local'
          }
        />
        {others.length > 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
            Also: {others.map((n) => `${n.name} (${ORIGIN[n.origin]})`).join('; ')}.
          </Typography>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {error.message}
            {error.remedy ? ` ${error.remedy}` : ''}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" disabled={saving || invalid.length > 0} onClick={() => void save()}>
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
