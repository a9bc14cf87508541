import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerIndex } from '../../src/docker/container-index.ts';
import { captureLogs } from '../../src/log.ts';
import { eventually } from '../support/backend.ts';
import { BUSYBOX, docker, removeAll, uniqueName } from '../support/docker.ts';

describe('the container index under create/remove churn (real dockerd)', () => {
  const index = new ContainerIndex();
  const ids: string[] = [];
  let restoreLogs: () => void;

  beforeAll(async () => {
    restoreLogs = captureLogs([]);
    await index.start();
  });

  afterAll(async () => {
    index.stop();
    await removeAll(ids);
    restoreLogs();
  });

  it('ends with none of the removed containers listed (none stuck as "removing")', async () => {
    const prefix = uniqueName('ecs-churn');
    // Force-removing running containers sends kill, die and destroy in quick succession: the
    // inspect for die can be answered ("removing") after destroy has been applied.
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 15 }, async (_, i) => {
          const c = await docker.createContainer({
            name: `${prefix}-${batch}-${i}`,
            Image: BUSYBOX,
            Cmd: ['sleep', '3600'],
            Labels: { 'ecs-endpoints-test': 'true' },
            StopSignal: 'SIGKILL',
          });
          ids.push(c.id);
          await c.start();
          await c.remove({ force: true });
        }),
      );
    }
    const stuck = () => ids.filter((id) => index.get(id)).map((id) => `${id.slice(0, 12)} ${index.get(id)?.state}`);
    await eventually(() => stuck().length === 0, 10_000, 'every removed container to leave the index').catch((err: Error) => {
      throw new Error(`${err.message}; still listed: ${stuck().join(', ')}`);
    });
    expect(index.connected).toBe(true);
  }, 180_000);
});
