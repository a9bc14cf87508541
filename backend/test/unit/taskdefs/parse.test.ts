import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TaskDefError, parseTaskDefinition, startOrder } from '../../../src/taskdefs/parse.ts';

const example = readFileSync(new URL('../../../../examples/task-definition.json', import.meta.url), 'utf8');

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseTaskDefinition(input);
  } catch (err) {
    if (err instanceof TaskDefError) return err.issues;
    throw err;
  }
  throw new Error('it was accepted');
}

const minimal = (containers: object[], extra: object = {}) => ({ family: 'f', containerDefinitions: containers, ...extra });

describe('parseTaskDefinition', () => {
  it('reads what describe-task-definition prints, and orders containers by dependsOn', () => {
    const { definition, warnings } = parseTaskDefinition(example);
    expect(definition.family).toBe('orders');
    expect(definition.containerDefinitions.map((c) => c.name)).toEqual(['migrate', 'web', 'metrics']);
    expect(startOrder(definition)).toEqual(['migrate', 'web', 'metrics']);
    expect(warnings).toEqual(['requiresCompatibilities: not honoured locally (the launch type only shapes the metadata here (LaunchType)).']);
  });

  it('reads register-task-definition input (no wrapper), starting dependencies first whatever their order', () => {
    const { definition } = parseTaskDefinition(minimal([
      { name: 'app', image: 'a', dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] },
      { name: 'db', image: 'b', essential: false, dependsOn: [{ containerName: 'init', condition: 'COMPLETE' }] },
      { name: 'init', image: 'c', essential: false },
    ]));
    expect(startOrder(definition)).toEqual(['init', 'db', 'app']);
  });

  it('names the field of every problem', () => {
    expect(issuesOf(minimal([{ name: 'web' }]))).toEqual([{ path: 'containerDefinitions[0].image', message: 'every container needs an image' }]);
    expect(issuesOf(minimal([{ name: 'web', image: 'x', dependsOn: [{ containerName: 'db', condition: 'READY' }] }]))).toEqual([
      expect.objectContaining({ path: 'containerDefinitions[0].dependsOn[0].condition' }),
    ]);
    expect(issuesOf(minimal([{ name: 'web', image: 'x', dependsOn: [{ containerName: 'db', condition: 'START' }] }]))).toEqual([
      { path: 'containerDefinitions[0].dependsOn[0].containerName', message: 'there is no container "db" (containers: web)' },
    ]);
    expect(issuesOf(minimal([{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }]))).toEqual([
      { path: 'containerDefinitions[1].name', message: '"a" is also the name of containerDefinitions[0]; names must be unique' },
    ]);
    expect(issuesOf(minimal([{ name: 'a', image: 'x', essential: false }]))).toEqual([{ path: 'containerDefinitions', message: 'at least one container must be essential (essential defaults to true)' }]);
    expect(issuesOf(minimal([{ name: 'a', image: 'x', mountPoints: [{ sourceVolume: 'data', containerPath: '/d' }] }]))).toEqual([
      { path: 'containerDefinitions[0].mountPoints[0].sourceVolume', message: 'there is no volume "data" in volumes' },
    ]);
    expect(issuesOf('{"family": ')[0]!.message).toMatch(/^not JSON/);
    expect(issuesOf({ taskDefinition: { containerDefinitions: [] } }).map((i) => i.path)).toEqual(['family', 'containerDefinitions']);
  });

  it('refuses a dependsOn cycle, naming it', () => {
    const issues = issuesOf(minimal([
      { name: 'a', image: 'x', dependsOn: [{ containerName: 'b', condition: 'START' }] },
      { name: 'b', image: 'x', dependsOn: [{ containerName: 'c', condition: 'START' }] },
      { name: 'c', image: 'x', dependsOn: [{ containerName: 'a', condition: 'HEALTHY' }] },
    ]));
    expect(issues).toEqual([{ path: 'containerDefinitions[0].dependsOn', message: 'dependsOn goes round in a circle: a → b → c → a' }]);
  });

  it('lists what a local run cannot honour as warnings', () => {
    const { warnings } = parseTaskDefinition(minimal([{ name: 'a', image: 'x', firelensConfiguration: { type: 'fluentbit' }, links: ['b'] }], { placementConstraints: [{ type: 'memberOf' }], inferenceAccelerators: [] }));
    expect(warnings).toEqual([
      'placementConstraints: not honoured locally (placement is about container instances; locally there is one machine).',
      'inferenceAccelerators: not honoured locally (no Elastic Inference locally).',
      'containerDefinitions[0].firelensConfiguration: not honoured locally (FireLens is not emulated; logs stay in Docker).',
      'containerDefinitions[0].links: not honoured locally (use awsvpc or the managed network\'s names instead).',
    ]);
  });
});
