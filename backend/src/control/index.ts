/** The control plane: the UI's API (docs/api.md), live updates and the standalone UI. */
export { createControlApp, type ControlApp, type ControlAppOptions } from './app.ts';
export { startControlServer, ControlListenError, type ControlServer, type ControlTimeouts } from './server.ts';
export { newToken, TOKEN_HEADER, TOKEN_META } from './guard.ts';
export { findUiDir } from './ui.ts';
