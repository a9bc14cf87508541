export * from './api.ts';
export * from './sources.ts';
export * from './presets.ts';
