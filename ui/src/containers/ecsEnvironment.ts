// The ECS environment's names are the contract's: the backend builds and reads the same.
export { ECS_ENVIRONMENT, UNLESS_SET } from '@ecs-endpoints/contract';

export function labelSnippet(): string {
  return ['services:', '  app:', '    labels:', '      ecs-endpoints.enable: "true"'].join('\n');
}

export function networkSnippet(network = 'ecs-endpoints', address = '169.254.170.2'): string {
  return [
    'services:',
    '  app:',
    '    networks:',
    '      - default',
    `      - ${network}`,
    '    environment:',
    '      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: /creds',
    `      ECS_CONTAINER_METADATA_URI_V4: http://${address}/v4`,
    `      ECS_CONTAINER_METADATA_URI: http://${address}/v3`,
    'networks:',
    `  ${network}:`,
    '    external: true',
  ].join('\n');
}
