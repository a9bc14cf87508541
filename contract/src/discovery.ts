import { z } from 'zod/v4';

/**
 * Service discovery names: DNS names a container answers to on the managed network (Docker network
 * aliases), as Service Connect client aliases (`orders`) or Cloud Map names (`orders.local`) give
 * them on ECS. Lower case, as DNS compares names without case and Docker's resolver does too.
 */
export const DISCOVERY_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const DiscoveryNameSchema = z
  .string()
  .regex(DISCOVERY_NAME, 'a DNS name in lower case: letters, digits and -, in labels of up to 63 joined by dots (e.g. orders or orders.local)');

export const SetDiscoveryNamesSchema = z.object({
  /** The container's own names (kept by container name); [] clears them. At most 20. */
  names: z.array(DiscoveryNameSchema).max(20),
});
export type SetDiscoveryNamesInput = z.infer<typeof SetDiscoveryNamesSchema>;

/** Where a discovery name comes from. */
export type DiscoveryOrigin = 'own' | 'label' | 'preset' | 'member';

export interface DiscoveryNameView {
  name: string;
  origin: DiscoveryOrigin;
  /** It resolves to this container on the managed network now. */
  active: boolean;
  /** Another container holds it: this one does not get it. */
  heldBy?: string;
}

/** Labels ECS Endpoints reads for discovery names (comma or space separated). */
export const DISCOVERY_LABEL = 'ecs-endpoints.discovery-names';

/** Names from a label value: split on commas and white space, empty parts dropped. */
export function splitNames(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}
