import type { ThemeOptions } from '@mui/material/styles';

/**
 * Docker Desktop injects its MUI theme options as `window.__ddMuiV6Themes`; @docker/docker-mui-theme
 * only reads them (the package ships no theme of its own). In a plain browser tab (the standalone
 * server) we install options close to Docker Desktop's look so the same provider works.
 */

const fontFamily = ['Roboto', '-apple-system', 'BlinkMacSystemFont', '"Segoe UI"', '"Helvetica Neue"', 'Arial', 'sans-serif'].join(',');

// Docker's palette (blue 500 is the Docker blue).
const docker = {
  blue: { 100: '#e5f2fc', 200: '#c0e0fa', 300: '#8bc7f5', 400: '#4ba6ee', 500: '#1d63ed', 600: '#0c49c2', 700: '#00308d', 800: '#00084d' },
  grey: { 100: '#f7f8fa', 200: '#e1e2e6', 300: '#c4c8d1', 400: '#8993a5', 500: '#6c7e9d', 600: '#505968', 700: '#383f4c', 800: '#2b313b' },
  red: { 100: '#fdeaea', 200: '#f6c5c5', 300: '#ee8f8f', 400: '#e25d5d', 500: '#d52536', 600: '#b2182a', 700: '#8f0f1f', 800: '#5c0813' },
  green: { 100: '#e7f6ed', 200: '#c1ead1', 300: '#80d2a2', 400: '#3cb676', 500: '#2aa564', 600: '#1c7f4b', 700: '#125c36', 800: '#093820' },
  amber: { 100: '#fff4dc', 200: '#fde6b3', 300: '#fbcd6b', 400: '#f8b234', 500: '#e49a0e', 600: '#b87705', 700: '#8a5700', 800: '#543400' },
  violet: { 100: '#f1ebfd', 200: '#dccdfb', 300: '#bc9ef6', 400: '#9a6ef0', 500: '#7d4be8', 600: '#6334c4', 700: '#47229a', 800: '#2d1462' },
};

function shared(mode: 'light' | 'dark'): ThemeOptions {
  const dark = mode === 'dark';
  return {
    shape: { borderRadius: 4 },
    typography: {
      fontFamily,
      fontSize: 14,
      h1: { fontSize: 24, fontWeight: 500 },
      h2: { fontSize: 20, fontWeight: 500 },
      h3: { fontSize: 18, fontWeight: 500 },
      h4: { fontSize: 16, fontWeight: 500 },
      h5: { fontSize: 14, fontWeight: 500 },
      h6: { fontSize: 16, fontWeight: 500 },
      button: { textTransform: 'none', fontWeight: 500 },
    },
    components: {
      MuiButton: { defaultProps: { disableElevation: true } },
      MuiTableCell: {
        styleOverrides: {
          head: { fontWeight: 500, color: dark ? '#a9b1bd' : docker.grey[600], whiteSpace: 'nowrap' },
        },
      },
      MuiTab: { styleOverrides: { root: { textTransform: 'none', fontSize: 14, minHeight: 44 } } },
      MuiTooltip: { styleOverrides: { tooltip: { fontSize: 12 } } },
    },
  };
}

export const lightThemeOptions: ThemeOptions = {
  ...shared('light'),
  palette: {
    mode: 'light',
    primary: { main: docker.blue[500], dark: docker.blue[600], light: docker.blue[400], contrastText: '#ffffff' },
    secondary: { main: docker.violet[500] },
    error: { main: docker.red[500] },
    warning: { main: docker.amber[600] },
    success: { main: docker.green[600] },
    info: { main: docker.blue[500] },
    background: { default: '#ffffff', paper: '#ffffff' },
    text: { primary: '#17191e', secondary: docker.grey[600] },
    divider: docker.grey[200],
    docker,
  } as ThemeOptions['palette'],
};

export const darkThemeOptions: ThemeOptions = {
  ...shared('dark'),
  palette: {
    mode: 'dark',
    primary: { main: '#4c8cf5', dark: docker.blue[500], light: docker.blue[300], contrastText: '#ffffff' },
    secondary: { main: docker.violet[400] },
    error: { main: '#f0616d' },
    warning: { main: docker.amber[400] },
    success: { main: docker.green[400] },
    info: { main: '#6aa6f8' },
    background: { default: '#1c2127', paper: '#232931' },
    text: { primary: '#e8eaed', secondary: '#a9b1bd' },
    divider: 'rgba(255, 255, 255, 0.12)',
    docker,
  } as ThemeOptions['palette'],
};

export type ForcedMode = 'light' | 'dark' | undefined;

/** `?theme=dark` or `?theme=light` forces a mode (screenshots, demos); anything else follows the OS. */
export function forcedMode(search: string): ForcedMode {
  const v = new URLSearchParams(search).get('theme');
  return v === 'dark' || v === 'light' ? v : undefined;
}

interface ThemeWindow {
  __ddMuiV6Themes?: { light: ThemeOptions; dark: ThemeOptions };
}

/**
 * Installs the fallback themes when Docker Desktop has not injected its own. A forced mode puts the
 * same options under both keys, since the provider picks the key from prefers-color-scheme.
 * Returns whether the fallback was installed.
 */
export function installFallbackThemes(win: Window = window, search: string = win.location.search): boolean {
  const w = win as unknown as ThemeWindow;
  if (typeof w.__ddMuiV6Themes !== 'undefined') return false;
  const forced = forcedMode(search);
  const pick = (m: 'light' | 'dark') => ((forced ?? m) === 'dark' ? darkThemeOptions : lightThemeOptions);
  w.__ddMuiV6Themes = { light: pick('light'), dark: pick('dark') };
  return true;
}
