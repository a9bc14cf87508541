import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.ts';

describe('config', () => {
  it('derives the endpoint, gateway and dynamic range from the subnet and topology', () => {
    const host = loadConfig({ ECS_ENDPOINTS_TOPOLOGY: 'host' });
    expect(host).toMatchObject({ address: '169.254.170.2', gateway: '169.254.170.2', ipRange: '169.254.170.128/25', network: 'ecs-endpoints', control: { kind: 'tcp', host: '127.0.0.1', port: 8080 } });
    const ctr = loadConfig({ ECS_ENDPOINTS_TOPOLOGY: 'container', ECS_ENDPOINTS_SUBNET: '169.254.190.0/24' });
    expect(ctr).toMatchObject({ address: '169.254.190.2', gateway: '169.254.190.1', control: { kind: 'unix', path: '/run/guest-services/backend.sock' } });
    expect(loadConfig({ ECS_TASK_METADATA_RPS_LIMIT: '10,20' }).rps).toEqual({ steady: 10, burst: 20 });
    expect(loadConfig({ ECS_TASK_METADATA_RPS_LIMIT: 'junk' }).rps).toEqual({ steady: 40, burst: 60 });
    expect(loadConfig({}, ['--network=mine', '--cluster', 'prod'])).toMatchObject({ network: 'mine', cluster: 'prod' });
  });

  it('rejects bad values with a message that names the setting', () => {
    expect(() => loadConfig({ ECS_ENDPOINTS_SUBNET: '10.0.0.0/33' })).toThrow(/ECS_ENDPOINTS_SUBNET/);
    expect(() => loadConfig({ ECS_ENDPOINTS_CONTROL: '0.0.0.0:8080' })).toThrow(/loopback/);
    expect(() => loadConfig({ ECS_ENDPOINTS_NETWRK: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ ECS_ENDPOINTS_RPS_LIMIT: '0,1' })).toThrow(/ECS_ENDPOINTS_RPS_LIMIT/);
  });
});
