import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import CssBaseline from '@mui/material/CssBaseline';
import { DockerMuiV6ThemeProvider } from '@docker/docker-mui-theme';
import { App } from './App.tsx';
import { createApiClient, createDefaultTransport } from './api/client.ts';
import { installFallbackThemes } from './theme/fallbackThemes.ts';

// Docker Desktop injects its theme; a plain browser tab (standalone server) gets ours.
installFallbackThemes();

const client = createApiClient(createDefaultTransport());
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <DockerMuiV6ThemeProvider>
      <CssBaseline />
      <App client={client} />
    </DockerMuiV6ThemeProvider>
  </StrictMode>,
);
