import type { RunTaskInput } from '@ecs-endpoints/contract';
import { TaskDefError, type TaskDef } from './parse.ts';

/**
 * The DNS names an ECS service gives its tasks, from the run request's Service Connect
 * configuration and Cloud Map registrations (both are the service's, not the task definition's),
 * by task-definition container name. Pure.
 */
export interface ServiceNames {
  byContainer: Map<string, string[]>;
  warnings: string[];
}

export function serviceNames(def: TaskDef, input: Pick<RunTaskInput, 'serviceConnect' | 'serviceRegistries'>): ServiceNames {
  const byContainer = new Map<string, string[]>();
  const warnings: string[] = [];
  const add = (container: string, name: string) => byContainer.set(container, [...new Set([...(byContainer.get(container) ?? []), name])]);
  const ports = def.containerDefinitions.flatMap((c) => (c.portMappings ?? []).map((p) => ({ container: c.name, name: p.name, port: p.containerPort })));
  const sc = input.serviceConnect;
  if (sc && sc.enabled !== false) {
    (sc.services ?? []).forEach((svc, i) => {
      const mapping = ports.find((p) => p.name === svc.portName);
      if (!mapping) {
        throw new TaskDefError(
          [{ path: `serviceConnect.services.${i}.portName`, message: `no portMappings entry is named "${svc.portName}" (named: ${ports.filter((p) => p.name).map((p) => p.name).join(', ') || 'none'})` }],
          'Give the container\'s portMappings entry that "name" (Service Connect refers to ports by name).',
        );
      }
      const base = svc.discoveryName ?? svc.portName.toLowerCase();
      const aliases = svc.clientAliases?.length ? svc.clientAliases : [];
      if (!aliases.length) add(mapping.container, sc.namespace ? `${base}.${sc.namespace}` : base);
      for (const a of aliases) {
        add(mapping.container, a.dnsName ?? (sc.namespace ? `${base}.${sc.namespace}` : base));
        if (mapping.port !== undefined && a.port !== mapping.port) {
          warnings.push(
            `serviceConnect: the client alias ${a.dnsName ?? base}:${a.port} is not forwarded to ${mapping.container}'s port ${mapping.port} locally (no Service Connect proxy runs here); call ${a.dnsName ?? base}:${mapping.port}, or make the alias port the container port.`,
          );
        }
      }
      if (['tls', 'timeout', 'ingressPortOverride'].some((k) => k in svc)) warnings.push(`serviceConnect.services[${i}]: tls, timeout and ingressPortOverride are not emulated locally.`);
    });
    if ('logConfiguration' in sc) warnings.push('serviceConnect.logConfiguration: the Service Connect proxy\'s logs do not exist locally.');
  }
  (input.serviceRegistries ?? []).forEach((r, i) => {
    const container = r.containerName ?? def.containerDefinitions.find((c) => c.essential !== false)?.name ?? def.containerDefinitions[0]!.name;
    if (!def.containerDefinitions.some((c) => c.name === container)) {
      throw new TaskDefError([{ path: `serviceRegistries.${i}.containerName`, message: `no container "${container}" in the task definition` }], 'Name one of its containers.');
    }
    add(container, r.namespace ? `${r.name}.${r.namespace}` : r.name);
  });
  return { byContainer, warnings };
}
