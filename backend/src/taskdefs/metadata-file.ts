import type { ContainerRecord } from '../tasks/types.ts';

/**
 * The container metadata file (the agent's ECS_ENABLE_CONTAINER_METADATA): a JSON file inside the
 * container, at ECS_CONTAINER_METADATA_FILE, written NOT_READY when the container is created and
 * READY (with its Docker id, image, ports and networks) once it runs, as older apps and log routers
 * read it. Pure: what to mount and what to write; the runner writes it through Docker.
 */

export const METADATA_ENV = { enable: 'ECS_ENABLE_CONTAINER_METADATA', file: 'ECS_CONTAINER_METADATA_FILE' } as const;
export const METADATA_FILE_NAME = 'ecs-container-metadata.json';

/** The directory in the container (a volume of its own), named as the agent names it. */
export function metadataDir(taskId: string, containerName: string): string {
  return `/opt/ecs/metadata/${taskId}-${containerName.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export interface MetadataFileContext {
  cluster: string;
  containerInstanceArn: string;
  taskArn: string;
  family: string;
  revision: number;
  containerName: string;
  availabilityZone: string;
  networkMode: 'awsvpc' | 'bridge' | 'host';
}

/** The file's text: NOT_READY (no record yet) or READY (from the running container's record). */
export function metadataFile(ctx: MetadataFileContext, r?: ContainerRecord, taskAddress?: string): string {
  const o: Record<string, unknown> = {
    Cluster: ctx.cluster,
    ContainerInstanceARN: ctx.containerInstanceArn,
    TaskARN: ctx.taskArn,
    TaskDefinitionFamily: ctx.family,
    TaskDefinitionRevision: String(ctx.revision),
  };
  if (r) {
    o.ContainerID = r.id;
    o.ContainerName = ctx.containerName;
    o.DockerContainerName = `/${r.name}`;
    o.ImageID = r.imageId;
    o.ImageName = r.image;
    o.PortMappings = r.ports.map((p) => ({ ContainerPort: p.containerPort, HostPort: p.hostPort, BindIp: p.hostIp, Protocol: p.protocol }));
    // awsvpc: the agent gives no address here (the task's ENI holds it; /etc/hosts has it).
    // A dual-stack network's IPv6 address too (agent 1.94+, bridge tasks).
    o.Networks = ctx.networkMode === 'awsvpc'
      ? [{ NetworkMode: 'awsvpc', IPv4Addresses: null }]
      : r.networks.map((n) => ({ NetworkMode: ctx.networkMode, IPv4Addresses: [n.ip], ...(n.ipv6 ? { IPv6Addresses: [n.ipv6] } : {}) }));
    o.MetadataFileStatus = 'READY';
    o.AvailabilityZone = ctx.availabilityZone;
    if (taskAddress) o.HostPrivateIPv4Address = taskAddress;
  } else {
    o.ContainerName = ctx.containerName;
    o.MetadataFileStatus = 'NOT_READY';
  }
  return JSON.stringify(o, null, 4);
}
