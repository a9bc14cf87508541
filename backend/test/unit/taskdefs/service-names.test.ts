import { describe, expect, it } from 'vitest';
import { parseTaskDefinition, TaskDefError } from '../../../src/taskdefs/parse.ts';
import { buildPlan } from '../../../src/taskdefs/plan.ts';
import { serviceNames } from '../../../src/taskdefs/service-names.ts';

const S = { region: 'eu-west-1', accountId: '111122223333', cluster: 'default', launchType: 'EC2' as const, network: 'ecs-endpoints', address: '169.254.170.2', pause: { image: 'pause:1' } };
const IDS = { taskId: 'a'.repeat(32), credentialsId: 'c'.repeat(32), endpointIds: { web: '11111111-1111-4111-8111-111111111111', side: '22222222-2222-4222-8222-222222222222' } };

function def(networkMode = 'awsvpc') {
  return parseTaskDefinition({
    family: 'shop',
    networkMode,
    containerDefinitions: [
      { name: 'side', image: 'busybox', essential: false },
      { name: 'web', image: 'nginx', portMappings: [{ containerPort: 8080, name: 'http' }] },
    ],
  });
}

describe('the names an ECS service gives its tasks', () => {
  it('Service Connect: dnsName, else discoveryName (else portName) in the namespace; a differing port is reported', () => {
    const n = serviceNames(def().definition, {
      serviceConnect: { namespace: 'local', services: [{ portName: 'http', clientAliases: [{ port: 80, dnsName: 'web' }, { port: 8080 }] }] },
    });
    expect([...n.byContainer]).toEqual([['web', ['web', 'http.local']]]);
    expect(n.warnings).toEqual(["serviceConnect: the client alias web:80 is not forwarded to web's port 8080 locally (no Service Connect proxy runs here); call web:8080, or make the alias port the container port."]);
    expect([...serviceNames(def().definition, { serviceConnect: { namespace: 'local', services: [{ portName: 'http', discoveryName: 'shop' }] } }).byContainer]).toEqual([['web', ['shop.local']]]);
    expect(serviceNames(def().definition, { serviceConnect: { enabled: false, services: [{ portName: 'http' }] } }).byContainer.size).toBe(0);
  });

  it('Cloud Map: name.namespace on the named container, else the first essential one; an unknown container is refused', () => {
    expect([...serviceNames(def().definition, { serviceRegistries: [{ name: 'shop', namespace: 'local' }, { name: 'side-api', containerName: 'side' }] }).byContainer]).toEqual([
      ['web', ['shop.local']],
      ['side', ['side-api']],
    ]);
    expect(() => serviceNames(def().definition, { serviceRegistries: [{ name: 'x', containerName: 'nope' }] })).toThrow(TaskDefError);
  });

  it('awsvpc: the names on the pause container (aliases and the label that keeps them); bridge: on the container; ServiceName as a label', () => {
    const names = new Map([['web', ['shop.local']]]);
    const a = buildPlan(def(), 'fake', S, IDS, { serviceName: 'shop', names });
    expect(a.discoveryNames).toEqual(['shop.local']);
    expect(a.pause!.NetworkingConfig).toEqual({ EndpointsConfig: { 'ecs-endpoints': { Aliases: ['shop.local'] } } });
    expect(a.pause!.Labels['ecs-endpoints.discovery-names']).toBe('shop.local');
    expect(a.containers.every((c) => c.create.Labels['ecs-endpoints.service-name'] === 'shop')).toBe(true);
    const b = buildPlan(def('bridge'), 'fake', S, IDS, { names });
    const web = b.containers.find((c) => c.name === 'web')!.create;
    expect(web.NetworkingConfig).toEqual({ EndpointsConfig: { 'ecs-endpoints': { Aliases: ['web', 'shop.local'] } } });
    expect(web.Labels['ecs-endpoints.discovery-names']).toBe('shop.local');
    const h = buildPlan(def('host'), 'fake', S, IDS, { names });
    expect(h.discoveryNames).toEqual([]);
    expect(h.warnings).toContain('networkMode host: the discovery names shop.local need the managed network; they are not set.');
  });
});
