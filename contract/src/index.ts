export * from './api.ts';
export * from './sources.ts';
export * from './presets.ts';
export * from './ecs-environment.ts';
export * from './host-aws.ts';
export * from './tasks.ts';
export * from './discovery.ts';
export * from './faults.ts';
