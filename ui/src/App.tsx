import { useState, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { ApiProvider, useApi } from './api/ApiContext.tsx';
import type { ApiClient } from './api/client.ts';
import { useLiveData } from './api/useLiveData.ts';
import { ContainersView } from './containers/ContainersView.tsx';
import { RequestsView } from './requests/RequestsView.tsx';
import { SourcesView } from './sources/SourcesView.tsx';
import { ProblemsBanner } from './status/ProblemsBanner.tsx';
import { StatusChip } from './status/StatusChip.tsx';

export const TABS = ['containers', 'sources', 'requests'] as const;
export type TabId = (typeof TABS)[number];
const TAB_LABELS: Record<TabId, string> = { containers: 'Containers', sources: 'Sources', requests: 'Requests' };

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

function Main({ pollIntervalMs }: { pollIntervalMs?: number | undefined }) {
  const { client, notifyError } = useApi();
  const live = useLiveData(client, pollIntervalMs);
  const [tab, setTab] = useState<TabId>(initialTab);
  const unreachable = live.error !== undefined && live.status === undefined;

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
          {live.mode === 'events' && live.connection !== 'open' && !unreachable && (
            <Tooltip title="Live updates are reconnecting; the view may be behind.">
              <Chip size="small" label="reconnecting…" variant="outlined" color="warning" tabIndex={0} />
            </Tooltip>
          )}
          <StatusChip status={live.status} unreachable={live.error !== undefined && live.status === undefined} />
        </Box>
      </Box>

      <ProblemsBanner
        problems={live.status?.problems ?? []}
        loadError={live.error}
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
      <TabPanel id="requests" active={tab === 'requests'}>
        <RequestsView requests={live.requests} sources={live.sources} address={live.status?.endpoint.address} />
      </TabPanel>
    </Box>
  );
}

export function App({ client, pollIntervalMs }: { client: ApiClient; pollIntervalMs?: number }) {
  return (
    <ApiProvider client={client}>
      <Main pollIntervalMs={pollIntervalMs} />
    </ApiProvider>
  );
}
