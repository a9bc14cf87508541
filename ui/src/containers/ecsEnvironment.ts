/** The variables ECS mode gives a container (what the recreate dialog names). */
export const ECS_ENVIRONMENT = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_CONTAINER_METADATA_URI',
  'ECS_AGENT_URI',
  'AWS_EXECUTION_ENV',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
] as const;

/** Set only when the container does not set them already (its own region wins). */
export const UNLESS_SET: ReadonlySet<string> = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION']);

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
