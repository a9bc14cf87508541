import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import CssBaseline from '@mui/material/CssBaseline';
import { DockerMuiV6ThemeProvider } from '@docker/docker-mui-theme';
import { App } from '../App.tsx';
import { createApiClient } from '../api/client.ts';
import type { Transport } from '../api/transport.ts';

/** Renders the whole app over a fake transport, as Docker Desktop would (theme provider included). */
export function renderApp(transport: Transport, pollIntervalMs = 60_000, reloadPage: () => void = () => {}) {
  const client = createApiClient(transport);
  const user = userEvent.setup();
  const utils = render(
    <DockerMuiV6ThemeProvider>
      <CssBaseline />
      <App client={client} pollIntervalMs={pollIntervalMs} reloadPage={reloadPage} />
    </DockerMuiV6ThemeProvider>,
  );
  return { ...utils, user, client };
}
