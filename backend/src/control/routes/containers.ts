import type { Router } from 'express';
import { AssignSourceSchema, EnableEcsSchema, SetDiscoveryNamesSchema } from '@ecs-endpoints/contract';
import type { Backend } from '../../backend.ts';
import type { ContainerRecord } from '../../tasks/types.ts';
import { changeEcsMode } from '../ecs.ts';
import { HttpError } from '../errors.ts';
import { parseBody, takesNothing, takesQuery } from '../input.ts';
import { containerView, containerViews, isListed } from '../views.ts';
import { resourceRouter } from './router.ts';

/** Find a listed container by full id, name, or unique id prefix (6+ characters), or answer 404. */
function findContainer(b: Backend, ref: string): ContainerRecord {
  const listed = [...b.index.all()].filter((r) => isListed(b, r));
  const exact = listed.find((r) => r.id === ref) ?? listed.find((r) => r.name === ref);
  if (exact) return exact;
  if (/^[0-9a-f]{6,63}$/.test(ref)) {
    const byPrefix = listed.filter((r) => r.id.startsWith(ref));
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw new HttpError(400, `The id prefix "${ref}" matches ${byPrefix.length} containers.`, 'Use the full container id.');
  }
  if (!b.index.connected) {
    throw new HttpError(503, 'The Docker Engine is not reachable, so containers are unknown.', 'Start Docker (or check DOCKER_HOST); ECS Endpoints reconnects by itself.');
  }
  throw new HttpError(404, `There is no container "${ref}".`, 'Reload the list of containers; it may have been removed or recreated with a new id.');
}

/** /containers: the list, ECS mode on and off, the source assignment, discovery names. */
export function containerRoutes(b: Backend): Router {
  const api = resourceRouter();

  api.get('/containers', takesNothing, (_req, res) => {
    res.json(containerViews(b));
  });

  api.post('/containers/:id/ecs', takesQuery(), async (req, res) => {
    const r = findContainer(b, String(req.params.id));
    const input = parseBody(req, EnableEcsSchema.strict(), 'The ECS mode change', '{"enabled": true} or {"enabled": true, "recreate": true}');
    res.json(await changeEcsMode(b, r, input));
  });

  api.put('/containers/:id/source', takesQuery(), (req, res) => {
    const r = findContainer(b, String(req.params.id));
    const { sourceId } = parseBody(req, AssignSourceSchema.strict(), 'The source assignment', '{"sourceId": "fake"} or {"sourceId": null}');
    b.sourcesService.assign(r.name, sourceId);
    res.json({ container: containerView(b, b.index.get(r.id) ?? r) });
  });

  api.put('/containers/:id/discovery-names', takesQuery(), async (req, res) => {
    const r = findContainer(b, String(req.params.id));
    const { names } = parseBody(req, SetDiscoveryNamesSchema.strict(), 'The discovery names', '{"names": ["orders", "orders.local"]} or {"names": []}');
    await b.discovery.setOwn(r, names);
    b.rebuild();
    res.json({ container: containerView(b, b.index.get(r.id) ?? r) });
  });

  return api;
}
