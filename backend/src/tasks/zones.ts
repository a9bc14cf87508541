/**
 * Availability Zone IDs. The EC2 agent (1.102+) sends the instance's zone ID from IMDS next to its
 * zone name. Which ID a zone letter is differs per AWS account, so a local run cannot know it: the
 * default here maps letter a to az1, b to az2, … under the region's ID prefix (us-east-1 → use1,
 * ap-southeast-2 → apse2, us-gov-west-1 → usgw1), which is the shape every real ID has.
 */

const DIRECTIONS: Record<string, string> = {
  east: 'e', west: 'w', north: 'n', south: 's', central: 'c',
  northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
};

/** The zone ID for a zone name such as `eu-west-1b` (→ `euw1-az2`); undefined for a name not of that shape. */
export function zoneIdFor(zone: string): string | undefined {
  const m = /^([a-z]{2})-(gov-)?([a-z]+)-(\d+)([a-z])$/.exec(zone);
  if (!m) return undefined;
  const [, geo, gov, direction, n, letter] = m;
  const dir = DIRECTIONS[direction!];
  if (!dir) return undefined;
  return `${geo}${gov ? 'g' : ''}${dir}${n}-az${letter!.charCodeAt(0) - 96}`;
}
