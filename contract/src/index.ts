export * from './api.ts';
export * from './sources.ts';
