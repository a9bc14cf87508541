import Box from '@mui/material/Box';
import CircularProgress from '@mui/material/CircularProgress';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Typography from '@mui/material/Typography';
import type { ContainerView, SourceView } from '@ecs-endpoints/contract';

const DEFAULT_VALUE = '';

/**
 * A source's name for people. The backend's "default" source is an alias (settings.target) of the
 * source ECS_ENDPOINTS_DEFAULT_SOURCE names: show what it points at.
 */
export function nameOfSource(id: string | undefined, sources: SourceView[] | undefined): string {
  if (!id) return '—';
  const s = sources?.find((x) => x.id === id);
  if (!s) return id;
  const target = typeof s.settings.target === 'string' ? sources?.find((x) => x.id === s.settings.target) : undefined;
  return target && target.id !== s.id ? target.name : s.name;
}

/** The default alias itself is what "Default (…)" already means: don't offer it twice. */
function isDefaultAlias(s: SourceView, defaultSourceId: string | undefined): boolean {
  return s.id === defaultSourceId && s.builtIn && typeof s.settings.target === 'string';
}

/** What "no assignment" means for this container: its preset's source or the default source. */
function fallbackLabel(c: ContainerView, sources: SourceView[] | undefined, defaultSourceId: string | undefined): string {
  if (c.source.presetName) {
    const viaPreset = c.source.origin === 'preset' ? ` (${nameOfSource(c.source.effectiveId, sources)})` : '';
    return `Preset ${c.source.presetName}${viaPreset}`;
  }
  const def = defaultSourceId ?? (c.source.origin === 'default' ? c.source.effectiveId : undefined);
  return `Default (${def ? nameOfSource(def, sources) : 'none'})`;
}

function originText(c: ContainerView): string {
  switch (c.source.origin) {
    case 'assignment':
      return 'assigned';
    case 'label':
      return 'from its ecs-endpoints.source label';
    case 'preset':
      return `from preset ${c.source.presetName ?? ''}`.trim();
    case 'default':
      return 'default source';
  }
}

/** The credential source of one container, chosen inline. */
export function SourceSelect({
  container,
  sources,
  defaultSourceId,
  pendingValue,
  busy,
  onChange,
}: {
  container: ContainerView;
  sources: SourceView[] | undefined;
  defaultSourceId: string | undefined;
  /** The value being saved, shown until the API answers. */
  pendingValue: string | null | undefined;
  busy: boolean;
  onChange: (sourceId: string | null) => void;
}) {
  const current = pendingValue !== undefined ? pendingValue : (container.source.assignedId ?? null);
  const value = current ?? DEFAULT_VALUE;
  const options = (sources ?? []).filter((s) => !isDefaultAlias(s, defaultSourceId) || s.id === value);
  const known = new Set(options.map((s) => s.id));
  const disabled = !container.ecs.enabled || busy;
  const helperId = `source-origin-${container.id}`;
  return (
    <Box sx={{ width: 210 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Select
          size="small"
          fullWidth
          value={value}
          displayEmpty
          disabled={disabled}
          onChange={(e) => {
            const v = e.target.value;
            onChange(v === DEFAULT_VALUE ? null : v);
          }}
          inputProps={{ 'aria-label': `Credential source for ${container.name}`, 'aria-describedby': helperId }}
          sx={{ fontSize: 14 }}
          MenuProps={{ slotProps: { paper: { sx: { maxHeight: 360 } } } }}
        >
          <MenuItem value={DEFAULT_VALUE}>{fallbackLabel(container, sources, defaultSourceId)}</MenuItem>
          {options.map((s) => (
            <MenuItem key={s.id} value={s.id}>
              {s.name}
            </MenuItem>
          ))}
          {value !== DEFAULT_VALUE && !known.has(value) && (
            <MenuItem value={value} disabled>
              {sources ? `Unknown source (${value})` : value}
            </MenuItem>
          )}
        </Select>
        {busy && <CircularProgress size={16} aria-label={`Saving the credential source for ${container.name}`} />}
      </Box>
      <Typography id={helperId} variant="caption" color="text.secondary" component="div" sx={{ mt: 0.25 }} noWrap>
        {container.ecs.enabled
          ? `${nameOfSource(container.source.effectiveId, sources)} · ${originText(container)}`
          : 'Turn on ECS mode to serve credentials'}
      </Typography>
    </Box>
  );
}
