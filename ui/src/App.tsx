import { useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { ApiProvider, useApi } from './api/ApiContext.tsx';
import type { ApiClient } from './api/client.ts';
import { useLiveData } from './api/useLiveData.ts';
import { ContainersView } from './containers/ContainersView.tsx';
import { PresetsView } from './presets/PresetsView.tsx';
import { RequestsView } from './requests/RequestsView.tsx';
import { SourcesView } from './sources/SourcesView.tsx';
import { useHostAwsSync } from './sources/useHostAwsSync.ts';
import { useHostProcessRefresh } from './sources/useHostProcessRefresh.ts';
import { ProblemsBanner } from './status/ProblemsBanner.tsx';
import { StatusChip } from './status/StatusChip.tsx';
import { TasksView } from './tasks/TasksView.tsx';

export const TABS = ['containers', 'tasks', 'sources', 'presets', 'requests'] as const;
export type TabId = (typeof TABS)[number];
const TAB_LABELS: Record<TabId, string> = { containers: 'Containers', tasks: 'Tasks', sources: 'Sources', presets: 'Presets', requests: 'Requests' };

function initialTab(): TabId {
  const h = typeof window === 'undefined' ? '' : window.location.hash.replace('#', '');
  return (TABS as readonly string[]).includes(h) ? (h as TabId) : 'containers';
}

function TabPanel({ id, active, children }: { id: TabId; active: boolean; children: ReactNode }) {
  // Panels stay mounted so filters, pause and test results survive switching tabs.
  return (
    <Box role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={!active} sx={{ pt: 2, minWidth: 0 }}>
      {children}
    </Box>
  );
}

function reloadThisPage(): void {
  window.location.reload();
}

/** The standalone backend restarted with a new token: nothing but a reload gets this page back in. */
function RestartedBanner({ onReload }: { onReload: () => void }) {
  return (
    <Alert
      severity="warning"
      role="alert"
      aria-label="Backend restarted"
      sx={{ mb: 1 }}
      action={
        <Button color="inherit" size="small" variant="outlined" onClick={onReload}>
          Reload
        </Button>
      }
    >
      <AlertTitle sx={{ mb: 0 }}>ECS Endpoints restarted: reload this page to reconnect.</AlertTitle>
      What this page shows may be out of date until then.
    </Alert>
  );
}

function Main({ pollIntervalMs, reloadPage }: { pollIntervalMs?: number | undefined; reloadPage: () => void }) {
  const { client, notifyError } = useApi();
  const live = useLiveData(client, pollIntervalMs);
  useHostAwsSync(client, notifyError);
  useHostProcessRefresh(client);
  const [tab, setTab] = useState<TabId>(initialTab);
  const unreachable = live.error !== undefined && live.status === undefined && !live.restarted;

  return (
    <Box sx={{ px: { xs: 2, md: 3 }, py: 2, minWidth: 0, maxWidth: 1920, mx: 'auto' }}>
      <Box
        component="header"
        sx={{ display: 'flex', alignItems: 'center', flexWrap: 'wrap', columnGap: 2, rowGap: 1, mb: 2 }}
      >
        <Box sx={{ minWidth: 0, flex: '1 1 320px' }}>
          <Typography variant="h1" component="h1">
            ECS Endpoints
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Amazon ECS task-role credentials and task metadata for your local containers.
          </Typography>
        </Box>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
          {live.mode === 'events' && live.connection !== 'open' && !unreachable && !live.restarted && (
            <Tooltip title="Live updates are reconnecting; the view may be behind.">
              <Chip size="small" label="reconnecting…" variant="outlined" color="warning" tabIndex={0} />
            </Tooltip>
          )}
          <StatusChip status={live.status} unreachable={unreachable} />
        </Box>
      </Box>

      {live.restarted && <RestartedBanner onReload={reloadPage} />}
      <ProblemsBanner
        problems={live.status?.problems ?? []}
        loadError={live.restarted ? undefined : live.error}
        onRetry={() => void live.refresh()}
      />

      <Box sx={{ borderBottom: 1, borderColor: 'divider', mt: 1 }}>
        <Tabs value={tab} onChange={(_e, v: TabId) => setTab(v)} aria-label="Sections" variant="scrollable" scrollButtons={false}>
          {TABS.map((t) => (
            <Tab key={t} value={t} label={TAB_LABELS[t]} id={`tab-${t}`} aria-controls={`panel-${t}`} />
          ))}
        </Tabs>
      </Box>

      <TabPanel id="containers" active={tab === 'containers'}>
        <ContainersView
          containers={live.containers}
          sources={live.sources}
          status={live.status}
          live={live}
          loadFailed={live.error !== undefined}
        />
      </TabPanel>
      <TabPanel id="tasks" active={tab === 'tasks'}>
        <TasksView active={tab === 'tasks'} sources={live.sources} containers={live.containers} onFaultsChanged={() => void live.refresh()} />
      </TabPanel>
      <TabPanel id="sources" active={tab === 'sources'}>
        <SourcesView
          sources={live.sources}
          containers={live.containers}
          defaultSourceId={live.status?.defaultSourceId}
          loadFailed={live.error !== undefined}
          onChanged={async () => {
            try {
              await live.reloadSources();
            } catch (e) {
              notifyError(e, 'Could not reload the sources');
            }
            void live.refresh();
          }}
        />
      </TabPanel>
      <TabPanel id="presets" active={tab === 'presets'}>
        <PresetsView
          presets={live.presets}
          sources={live.sources}
          loadFailed={live.error !== undefined}
          onImported={(view) => {
            live.setPresets(view);
            // Containers' sources and task metadata change with the presets (polling would be late).
            void live.refresh();
          }}
        />
      </TabPanel>
      <TabPanel id="requests" active={tab === 'requests'}>
        <RequestsView requests={live.requests} sources={live.sources} address={live.status?.endpoint.address} />
      </TabPanel>
    </Box>
  );
}

export function App({
  client,
  pollIntervalMs,
  reloadPage = reloadThisPage,
}: {
  client: ApiClient;
  pollIntervalMs?: number;
  /** What the "Reload" button of the restart banner does (tests observe it). */
  reloadPage?: () => void;
}) {
  return (
    <ApiProvider client={client}>
      <Main pollIntervalMs={pollIntervalMs} reloadPage={reloadPage} />
    </ApiProvider>
  );
}
