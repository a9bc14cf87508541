import { useState } from 'react';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import Box from '@mui/material/Box';
import { CodeField } from '../common/CodeField.tsx';
import { ImportProblem } from './ImportProblem.tsx';

/** Paste a preset file's text and import it; a refusal is shown here, so the text can be fixed. */
export function PasteDialog({
  open,
  onClose,
  onImport,
}: {
  open: boolean;
  onClose: () => void;
  /** Resolves when imported (the dialog closes), rejects with why not (shown in the dialog). */
  onImport: (content: string) => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const close = () => {
    if (busy) return;
    setError(undefined);
    onClose();
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onImport(text);
      setText('');
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={close} aria-labelledby="paste-presets-title" maxWidth="md" fullWidth>
      <DialogTitle id="paste-presets-title">Paste a preset file</DialogTitle>
      <DialogContent>
        {/* A refusal goes first, above the text it is about, so it is seen without scrolling. */}
        <DialogContentText variant="body2" sx={{ mb: 2 }}>
          Paste the whole file (JSON). Its presets replace the ones imported before; presets from a repository file stay.
        </DialogContentText>
        {error !== undefined && (
          <Box sx={{ mb: 2 }}>
            <ImportProblem error={error} />
          </Box>
        )}
        <CodeField
          label="Preset file (JSON)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          minRows={10}
          maxRows={error === undefined ? 20 : 12}
          autoFocus
          placeholder={'{\n  "version": 1,\n  "presets": [ … ]\n}'}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={busy}>
          Cancel
        </Button>
        <Button
          variant="contained"
          onClick={() => void submit()}
          disabled={busy || text.trim() === ''}
          startIcon={busy ? <CircularProgress size={14} color="inherit" /> : undefined}
        >
          Import
        </Button>
      </DialogActions>
    </Dialog>
  );
}
