import { useCallback, useMemo, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import CircularProgress from '@mui/material/CircularProgress';
import FormControlLabel from '@mui/material/FormControlLabel';
import InputAdornment from '@mui/material/InputAdornment';
import Paper from '@mui/material/Paper';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import SearchIcon from '@mui/icons-material/Search';
import type { Theme } from '@mui/material/styles';
import type { ContainerView, SourceView, StatusView } from '@ecs-endpoints/contract';
import { useApi } from '../api/ApiContext.tsx';
import type { LiveData } from '../api/useLiveData.ts';
import { useNow } from '../common/useNow.ts';
import { ContainerRow } from './ContainerRow.tsx';
import { ComposeSnippets, NoContainers, NoEcsContainersHint } from './EmptyStates.tsx';
import { DiscoveryNamesDialog } from './DiscoveryNames.tsx';
import { RecreateDialog } from './RecreateDialog.tsx';

export function matchesSearch(c: ContainerView, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [c.name, c.image, c.compose?.project, c.compose?.service, c.id.slice(0, 12)]
    .filter((x): x is string => Boolean(x))
    .some((x) => x.toLowerCase().includes(q));
}

// The daily loop first (switch, source, did it call?), then what else identifies a container.
const COLUMNS = [
  'Name',
  'State',
  'ECS mode',
  'Credential source',
  'Last endpoint call',
  'Address',
  'Discovery names',
  'Task family',
  'Image',
  'Compose',
] as const;

/**
 * Shadows on the edges that have more columns beyond them (the table scrolls sideways in narrow
 * tabs, and overlay scrollbars are invisible until used).
 */
const scrollShadows = (t: Theme) => {
  const paper = t.palette.background.paper;
  const shade = t.palette.mode === 'dark' ? 'rgba(0,0,0,0.55)' : 'rgba(0,0,0,0.18)';
  return {
    overflowX: 'auto',
    background: `linear-gradient(to left, ${paper} 30%, transparent) right / 40px 100% no-repeat local,
      radial-gradient(farthest-side at 100% 50%, ${shade}, transparent) right / 14px 100% no-repeat scroll,
      ${paper}`,
  } as const;
};

export interface ContainersViewProps {
  containers: ContainerView[] | undefined;
  sources: SourceView[] | undefined;
  status: StatusView | undefined;
  live: Pick<LiveData, 'refresh' | 'upsertContainer'>;
  /** The first load failed: don't pretend to be loading. */
  loadFailed?: boolean;
}

export function ContainersView({ containers, sources, status, live, loadFailed = false }: ContainersViewProps) {
  const { client, notifyError } = useApi();
  const [query, setQuery] = useState('');
  const [onlyEcs, setOnlyEcs] = useState(false);
  const [pendingEcs, setPendingEcs] = useState<Record<string, boolean>>({});
  const [pendingSource, setPendingSource] = useState<Record<string, string | null>>({});
  const [confirm, setConfirm] = useState<ContainerView | null>(null);
  // Synchronous guard against double toggles (state updates land a render later).
  const busy = useRef(new Set<string>());
  const now = useNow();

  const sendEcs = useCallback(
    async (c: ContainerView, enabled: boolean, recreate: boolean) => {
      if (busy.current.has(c.id)) return;
      busy.current.add(c.id);
      setPendingEcs((p) => ({ ...p, [c.id]: enabled }));
      try {
        const result = await client.setEcsMode(c.id, recreate ? { enabled, recreate: true } : { enabled });
        if (result && typeof result === 'object' && 'container' in result && result.container) {
          live.upsertContainer(result.container, result.recreatedFrom);
        }
        void live.refresh();
      } catch (e) {
        notifyError(e, `Could not turn ECS mode ${enabled ? 'on' : 'off'} for ${c.name}`);
      } finally {
        busy.current.delete(c.id);
        setPendingEcs(({ [c.id]: _done, ...rest }) => rest);
      }
    },
    [client, live, notifyError],
  );

  const onToggle = useCallback(
    (c: ContainerView, enabled: boolean) => {
      if (busy.current.has(c.id)) return;
      if (enabled && !c.ecs.hasEnvironment) {
        setConfirm(c);
        return;
      }
      void sendEcs(c, enabled, false);
    },
    [sendEcs],
  );

  const onAssign = useCallback(
    async (c: ContainerView, sourceId: string | null) => {
      const key = `source:${c.id}`;
      if (busy.current.has(key)) return;
      busy.current.add(key);
      setPendingSource((p) => ({ ...p, [c.id]: sourceId }));
      try {
        await client.assignSource(c.id, sourceId);
        await live.refresh();
      } catch (e) {
        notifyError(e, `Could not change the credential source of ${c.name}`);
      } finally {
        busy.current.delete(key);
        setPendingSource(({ [c.id]: _done, ...rest }) => rest);
      }
    },
    [client, live, notifyError],
  );

  // Live clients get the change by themselves; polling (Docker Desktop) would show it late.
  const onFaultsChanged = useCallback(() => void live.refresh(), [live]);

  const [editing, setEditing] = useState<ContainerView | null>(null);
  const onSaveNames = useCallback(
    async (c: ContainerView, names: string[]) => {
      await client.setDiscoveryNames(c.id, names);
      await live.refresh();
    },
    [client, live],
  );

  const visible = useMemo(
    () => (containers ?? []).filter((c) => (!onlyEcs || c.ecs.enabled) && matchesSearch(c, query)),
    [containers, onlyEcs, query],
  );

  if (containers === undefined && loadFailed) {
    return (
      <Typography variant="body2" color="text.secondary" sx={{ p: 3 }}>
        Containers will appear here once the backend answers (see the message above).
      </Typography>
    );
  }
  if (containers === undefined) {
    return (
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, p: 3 }} role="status">
        <CircularProgress size={20} />
        <Typography variant="body2">Loading containers…</Typography>
      </Box>
    );
  }

  const network = status?.network.name;
  const address = status?.endpoint.address;
  if (containers.length === 0) return <NoContainers network={network} address={address} />;

  const anyEcs = containers.some((c) => c.ecs.enabled);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 0 }}>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 2 }}>
        <TextField
          size="small"
          label="Search containers"
          placeholder="Name, image or compose project"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          type="search"
          sx={{ width: { xs: '100%', sm: 340 } }}
          slotProps={{
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" />
                </InputAdornment>
              ),
            },
          }}
        />
        <FormControlLabel
          control={
            <Switch checked={onlyEcs} onChange={(e) => setOnlyEcs(e.target.checked)} inputProps={{ role: 'switch' }} />
          }
          label="Show only ECS mode"
        />
        <Typography variant="body2" color="text.secondary" sx={{ ml: 'auto' }} aria-live="polite">
          {visible.length === containers.length
            ? `${containers.length} container${containers.length === 1 ? '' : 's'}`
            : `${visible.length} of ${containers.length} containers`}
        </Typography>
      </Box>

      {!anyEcs && <NoEcsContainersHint address={address} />}

      <TableContainer component={Paper} variant="outlined" sx={scrollShadows}>
        <Table size="small" aria-label="Containers" sx={{ minWidth: 1100, '& td, & th': { px: 1.25 } }}>
          <TableHead>
            <TableRow>
              {COLUMNS.map((col, i) => (
                <TableCell
                  key={col}
                  sx={
                    i === 0
                      ? { position: 'sticky', left: 0, zIndex: 2, bgcolor: 'background.paper' }
                      : undefined
                  }
                >
                  {col}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {visible.map((c) => (
              <ContainerRow
                key={c.id}
                container={c}
                sources={sources}
                defaultSourceId={status?.defaultSourceId}
                pendingEcs={pendingEcs[c.id]}
                pendingSource={c.id in pendingSource ? pendingSource[c.id] : undefined}
                now={now}
                onToggle={onToggle}
                onAssign={(cv, id) => void onAssign(cv, id)}
                onEditNames={setEditing}
                onFaultsChanged={onFaultsChanged}
              />
            ))}
            {visible.length === 0 && (
              <TableRow>
                <TableCell colSpan={COLUMNS.length}>
                  <Typography variant="body2" color="text.secondary" sx={{ py: 2, textAlign: 'center' }}>
                    {onlyEcs && !query
                      ? 'No container is in ECS mode.'
                      : `No container matches “${query.trim()}”${onlyEcs ? ' among those in ECS mode' : ''}.`}
                  </Typography>
                </TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </TableContainer>

      {!anyEcs && <ComposeSnippets network={network} address={address} />}

      {editing && <DiscoveryNamesDialog container={editing} onClose={() => setEditing(null)} onSave={onSaveNames} />}

      <RecreateDialog
        container={confirm}
        onCancel={() => setConfirm(null)}
        onConfirm={(c) => {
          setConfirm(null);
          void sendEcs(c, true, true);
        }}
      />
    </Box>
  );
}
