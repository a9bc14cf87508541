import { useEffect, useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Autocomplete from '@mui/material/Autocomplete';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField, { type TextFieldProps } from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { SOURCE_TYPES, type SourceType, type SourceView } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import { ApiRequestError, describeError } from '../api/errors.ts';
import {
  FIELDS_BY_TYPE,
  TYPE_HELP,
  TYPE_LABELS,
  buildInput,
  emptyValues,
  issuesToErrors,
  valuesFromSource,
  type FieldErrors,
  type FieldName,
  type FormValues,
} from './sourceForm.ts';

export interface SourceFormDialogProps {
  open: boolean;
  /** The source to edit; undefined to create one. */
  source?: SourceView | undefined;
  sources: SourceView[];
  onClose: () => void;
  onSaved: (saved: SourceView | undefined) => void;
}

export function SourceFormDialog({ open, source, sources, onClose, onSaved }: SourceFormDialogProps) {
  const { client } = useApi();
  const mode = source ? 'edit' : 'create';
  const [values, setValues] = useState<FormValues>(() => (source ? valuesFromSource(source) : emptyValues()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<{ message: string; remedy?: string; details: string[] } | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [profiles, setProfiles] = useState<string[] | null>(null);
  const [profilesError, setProfilesError] = useState<string | null>(null);

  // Reset whenever the dialog opens (for another source).
  useEffect(() => {
    if (!open) return;
    setValues(source ? valuesFromSource(source) : emptyValues());
    setErrors({});
    setFormError(null);
    setSubmitted(false);
    setSaving(false);
    // Keyed on the id: a new snapshot of the same source must not wipe what the user typed.
  }, [open, source?.id]);

  // Profile suggestions, once per opening, when the type needs them.
  useEffect(() => {
    if (!open || values.type !== 'profile' || profiles !== null) return;
    let live = true;
    client.listProfiles().then(
      (p) => live && setProfiles(p),
      (e: unknown) => {
        if (!live) return;
        setProfiles([]);
        setProfilesError(describeError(e).message);
      },
    );
    return () => {
      live = false;
    };
  }, [open, values.type, profiles, client]);
  useEffect(() => {
    if (!open) {
      setProfiles(null);
      setProfilesError(null);
    }
  }, [open]);

  const visible = FIELDS_BY_TYPE[values.type];

  const set = (field: FieldName, value: string) => {
    const next = { ...values, [field]: value } as FormValues;
    setValues(next);
    if (submitted) {
      const r = buildInput(next, mode);
      setErrors(r.ok ? {} : r.fields);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setFormError(null);
    const r = buildInput(values, mode);
    if (!r.ok) {
      setErrors(r.fields);
      if (r.form.length) setFormError({ message: 'Check the form.', details: r.form });
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      const saved = source ? await client.updateSource(source.id, r.input) : await client.createSource(r.input);
      onSaved(saved && typeof saved === 'object' ? saved : undefined);
    } catch (err) {
      const { message, remedy } = describeError(err);
      const issues = err instanceof ApiRequestError ? err.issues : [];
      const mapped = issuesToErrors(issues, visible);
      setErrors(mapped.fields);
      setFormError({ message, ...(remedy ? { remedy } : {}), details: mapped.form });
    } finally {
      setSaving(false);
    }
  };

  const field = (name: FieldName, label: string, extra: Partial<TextFieldProps> = {}, help?: string) => (
    <TextField
      key={name}
      id={`source-${name}`}
      name={name}
      label={label}
      size="small"
      fullWidth
      value={values[name]}
      onChange={(e) => set(name, e.target.value)}
      error={Boolean(errors[name])}
      helperText={errors[name] ?? help}
      {...extra}
    />
  );

  const baseCandidates = sources.filter((s) => s.id !== source?.id && s.type !== 'none');

  return (
    <Dialog
      open={open}
      onClose={saving ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="source-form-title"
      // The paper is the form, so the content scrolls between a fixed title and fixed buttons.
      slotProps={{ paper: { component: 'form', noValidate: true, onSubmit: (e: FormEvent) => void submit(e) } as object }}
    >
        <DialogTitle id="source-form-title">{source ? `Edit source ${source.name}` : 'Add a credential source'}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {formError && (
              <Alert severity="error">
                <AlertTitle>{formError.message}</AlertTitle>
                {formError.remedy}
                {formError.details.length > 0 && (
                  <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                    {formError.details.map((d) => (
                      <li key={d}>{d}</li>
                    ))}
                  </ul>
                )}
              </Alert>
            )}
            <TextField
              id="source-type"
              select
              label="Type"
              size="small"
              fullWidth
              value={values.type}
              disabled={mode === 'edit'}
              onChange={(e) => {
                setValues({ ...values, type: e.target.value as SourceType });
                setErrors({});
                setFormError(null);
              }}
              helperText={TYPE_HELP[values.type]}
            >
              {SOURCE_TYPES.map((t) => (
                <MenuItem key={t} value={t}>
                  {TYPE_LABELS[t]}
                </MenuItem>
              ))}
            </TextField>
            {field('name', 'Name', { required: true, autoFocus: true }, 'How containers and the Sources list show it.')}

            {values.type === 'fake' &&
              field('roleArn', 'Role ARN (optional)', {}, 'Shown as the RoleArn in responses; by default a role named after the task family.')}

            {values.type === 'profile' && (
              <Autocomplete
                freeSolo
                options={profiles ?? []}
                loading={profiles === null}
                inputValue={values.profile}
                onInputChange={(_e, v) => set('profile', v)}
                renderInput={(params) => (
                  <TextField
                    {...params}
                    id="source-profile"
                    name="profile"
                    label="Profile"
                    size="small"
                    required
                    error={Boolean(errors.profile)}
                    helperText={
                      errors.profile ??
                      (profilesError
                        ? `Profiles could not be listed (${profilesError}); type the name.`
                        : 'A profile name from ~/.aws/config, e.g. dev.')
                    }
                  />
                )}
              />
            )}

            {values.type === 'assume-role' && (
              <>
                <Typography variant="body2" color="text.secondary">
                  The role: a full ARN, or a role name in the base source’s account.
                </Typography>
                <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
                  {field('roleArn', 'Role ARN', {}, 'arn:aws:iam::123456789012:role/my-role')}
                  {field('roleName', 'or role name', {})}
                </Stack>
                <TextField
                  id="source-baseSourceId"
                  name="baseSourceId"
                  select
                  required
                  label="Base source"
                  size="small"
                  fullWidth
                  value={values.baseSourceId}
                  onChange={(e) => set('baseSourceId', e.target.value)}
                  error={Boolean(errors.baseSourceId)}
                  helperText={errors.baseSourceId ?? 'Whose credentials call sts:AssumeRole.'}
                >
                  {baseCandidates.length === 0 && (
                    <MenuItem value="" disabled>
                      Add a profile or static source first
                    </MenuItem>
                  )}
                  {baseCandidates.map((s) => (
                    <MenuItem key={s.id} value={s.id}>
                      {s.name} ({TYPE_LABELS[s.type]})
                    </MenuItem>
                  ))}
                </TextField>
                <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
                  {field('sessionName', 'Session name (optional)', {})}
                  {field('externalId', 'External ID (optional)', {})}
                </Stack>
                {field('durationSeconds', 'Duration in seconds (optional)', { slotProps: { htmlInput: { inputMode: 'numeric' } } }, '900 to 43200; the role’s maximum applies.')}
                {field('tags', 'Session tags (optional)', { multiline: true, minRows: 2 }, 'key=value, one per line.')}
              </>
            )}

            {values.type === 'static' && (
              <>
                {field('accessKeyId', 'Access key ID', { required: true, autoComplete: 'off' })}
                {field(
                  'secretAccessKey',
                  'Secret access key',
                  { type: 'password', required: mode === 'create', autoComplete: 'new-password' },
                  mode === 'edit' ? 'Leave blank to keep the stored secret.' : 'Stored by the backend; never shown again.',
                )}
                {field(
                  'sessionToken',
                  'Session token (optional)',
                  { type: 'password', autoComplete: 'off' },
                  mode === 'edit' ? 'Leave blank to keep (or not use) a session token.' : 'Only for temporary (ASIA…) keys.',
                )}
              </>
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={saving} startIcon={saving ? <CircularProgress size={16} color="inherit" /> : undefined}>
            Save
          </Button>
        </DialogActions>
    </Dialog>
  );
}
