import { useEffect, useState, type ChangeEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { RunTaskInput, SourceView, TaskRunView, TaskValidationView } from '@ecs-endpoints/contract';
import { CodeField } from '../common/CodeField.tsx';
import { ApiRequestError } from '../api/errors.ts';

/** `NAME=VALUE` lines as secret overrides; lines without `=` are reported, not dropped. */
export function parseOverrides(text: string): { values: Record<string, string>; bad: number[] } {
  const values: Record<string, string> = {};
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const eq = line.indexOf('=');
    if (eq < 1) bad.push(i + 1);
    else values[line.slice(0, eq).trim()] = line.slice(eq + 1);
  });
  return { values, bad };
}

/** The base sources a task role can be assumed from: the default, fake, none, and every source with credentials. */
function baseChoices(sources: SourceView[]): { value: string; label: string }[] {
  const own = sources.filter((s) => s.type !== 'none' && s.type !== 'fake' && s.id !== 'default');
  return [
    { value: 'default', label: 'The default source' },
    ...own.map((s) => ({ value: s.id.includes(':') ? s.id : `source:${s.id}`, label: s.name })),
    { value: 'fake', label: 'Fake credentials (offline)' },
    { value: 'none', label: 'No credentials' },
  ];
}

/** Paste (or open) a task definition, choose where its role comes from, check it, run it. */
export function RunTaskDialog({
  open,
  onClose,
  sources,
  validate,
  run,
  describe,
}: {
  open: boolean;
  onClose: () => void;
  sources: SourceView[];
  validate: (taskDefinition: unknown) => Promise<TaskValidationView>;
  run: (input: RunTaskInput) => Promise<TaskRunView>;
  /** Fetch a registered definition from ECS with the chosen source. */
  describe: (ref: string, source: string) => Promise<unknown>;
}) {
  const [text, setText] = useState('');
  const [base, setBase] = useState('default');
  const [secrets, setSecrets] = useState('');
  const [check, setCheck] = useState<TaskValidationView | { error: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [registered, setRegistered] = useState('');
  const [fetching, setFetching] = useState(false);

  const message = (e: unknown) => (e instanceof ApiRequestError ? [e.message, e.remedy].filter(Boolean).join(' ') : e instanceof Error ? e.message : String(e));

  const fetchRegistered = async () => {
    setFetching(true);
    setError(undefined);
    try {
      setText(JSON.stringify(await describe(registered.trim(), base), null, 2));
    } catch (e) {
      setError(message(e));
    } finally {
      setFetching(false);
    }
  };

  // Checked as it is typed (debounced): issues with their field paths before anything runs.
  useEffect(() => {
    if (!text.trim()) {
      setCheck(undefined);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      setCheck({ error: `Not JSON yet: ${(e as Error).message}` });
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      validate(json).then(
        (v) => live && setCheck(v),
        (e: unknown) => live && setCheck({ error: e instanceof Error ? e.message : String(e) }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, validate]);

  const overrides = parseOverrides(secrets);
  const valid = check !== undefined && 'valid' in check && check.valid && overrides.bad.length === 0;

  const openFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (f) setText(await f.text());
    e.target.value = '';
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await run({ taskDefinition: JSON.parse(text), baseSource: base, ...(Object.keys(overrides.values).length ? { secretOverrides: overrides.values } : {}) });
      setText('');
      setSecrets('');
      onClose();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={() => !busy && onClose()} aria-labelledby="run-task-title" maxWidth="md" fullWidth>
      <DialogTitle id="run-task-title">Run a task definition</DialogTitle>
      <DialogContent>
        <DialogContentText variant="body2" sx={{ mb: 2 }}>
          Paste what <code>aws ecs describe-task-definition</code> prints (or the input of register-task-definition), or open a file.
        </DialogContentText>
        {error && (
          <Alert severity="error" sx={{ mb: 2 }} role="alert" aria-label="Run refused">
            {error}
          </Alert>
        )}
        <Box sx={{ mb: 1, display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <Button component="label" size="small" variant="outlined">
            Open a file…
            <input hidden type="file" accept=".json,application/json" aria-label="Task definition file" onChange={(e) => void openFile(e)} />
          </Button>
          <TextField
            size="small"
            label="Or fetch from ECS (family:revision or ARN)"
            value={registered}
            onChange={(e) => setRegistered(e.target.value)}
            sx={{ flex: '1 1 280px' }}
          />
          <Button size="small" variant="outlined" disabled={!registered.trim() || fetching} onClick={() => void fetchRegistered()} startIcon={fetching ? <CircularProgress size={14} color="inherit" /> : undefined}>
            Fetch
          </Button>
        </Box>
        <CodeField label="Task definition (JSON)" value={text} onChange={(e) => setText(e.target.value)} minRows={8} maxRows={16} />
        {check && 'error' in check && <Alert severity="info" sx={{ mt: 1 }}>{check.error}</Alert>}
        {check && 'valid' in check && !check.valid && (
          <Alert severity="error" sx={{ mt: 1 }} aria-label="Problems in the task definition">
            {check.issues.map((i) => (
              <div key={i.path + i.message}>
                <code>{i.path || '(root)'}</code>: {i.message}
              </div>
            ))}
          </Alert>
        )}
        {check && 'valid' in check && check.valid && (
          <Alert severity={check.warnings.length ? 'warning' : 'success'} sx={{ mt: 1 }} aria-label="Task definition check">
            {check.family}: starts {check.startOrder?.join(' → ')}.
            {check.warnings.map((w) => (
              <div key={w}>{w}</div>
            ))}
          </Alert>
        )}
        <TextField select label="Task role from" value={base} onChange={(e) => setBase(e.target.value)} fullWidth sx={{ mt: 2 }} helperText="The task role (and the execution role, for secrets) is assumed from this source.">
          {baseChoices(sources).map((c) => (
            <MenuItem key={c.value} value={c.value}>
              {c.label}
            </MenuItem>
          ))}
        </TextField>
        <CodeField
          label="Local secret values (optional)"
          value={secrets}
          onChange={(e) => setSecrets(e.target.value)}
          minRows={2}
          sx={{ mt: 2 }}
          autoComplete="off"
          error={overrides.bad.length > 0}
          helperText={overrides.bad.length ? `Line ${overrides.bad.join(', ')}: write NAME=VALUE.` : 'NAME=VALUE per line, used instead of Secrets Manager / SSM. Not stored.'}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button variant="contained" onClick={() => void submit()} disabled={busy || !valid} startIcon={busy ? <CircularProgress size={14} color="inherit" /> : undefined}>
          Run
        </Button>
      </DialogActions>
    </Dialog>
  );
}
