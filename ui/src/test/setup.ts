import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';
import { cleanup, configure } from '@testing-library/react';

// findBy* and waitFor give up after 1 s by default; a busy 2-core CI machine can take longer to
// render an MUI dialog (see CPU_BOUND_TIMEOUT in vitest.config.ts). Still a bound: a missing element fails.
configure({ asyncUtilTimeout: 5000 });

// Docker Desktop injects these in production (see docs/spec: the theme provider crashes without them).
(window as unknown as { __ddMuiV6Themes: unknown }).__ddMuiV6Themes = { light: {}, dark: {} };

if (!window.matchMedia) {
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
}

afterEach(() => {
  cleanup();
});
