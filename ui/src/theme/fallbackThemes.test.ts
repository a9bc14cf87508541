import { describe, expect, it } from 'vitest';
import { darkThemeOptions, forcedMode, installFallbackThemes, lightThemeOptions } from './fallbackThemes.ts';

function fakeWindow(themes?: unknown): Window {
  return { location: { search: '' }, __ddMuiV6Themes: themes } as unknown as Window;
}

describe('fallback themes', () => {
  it('installs light and dark when Docker Desktop has not injected its themes', () => {
    const w = fakeWindow();
    expect(installFallbackThemes(w, '')).toBe(true);
    expect((w as unknown as { __ddMuiV6Themes: unknown }).__ddMuiV6Themes).toEqual({ light: lightThemeOptions, dark: darkThemeOptions });
  });

  it('never replaces Docker Desktop’s themes', () => {
    const injected = { light: { x: 1 }, dark: { x: 2 } };
    const w = fakeWindow(injected);
    expect(installFallbackThemes(w, '?theme=dark')).toBe(false);
    expect((w as unknown as { __ddMuiV6Themes: unknown }).__ddMuiV6Themes).toBe(injected);
  });

  it('?theme=dark forces dark whatever the OS prefers', () => {
    const w = fakeWindow();
    installFallbackThemes(w, '?theme=dark');
    expect((w as unknown as { __ddMuiV6Themes: unknown }).__ddMuiV6Themes).toEqual({ light: darkThemeOptions, dark: darkThemeOptions });
    expect(forcedMode('?theme=light')).toBe('light');
    expect(forcedMode('?theme=blue')).toBeUndefined();
  });

  it('uses Docker blue as the light primary colour', () => {
    expect((lightThemeOptions.palette as { primary: { main: string } }).primary.main).toBe('#1d63ed');
    expect(darkThemeOptions.palette?.mode).toBe('dark');
  });
});
