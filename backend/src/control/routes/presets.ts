import type { Router } from 'express';
import type { Backend } from '../../backend.ts';
import { presetJsonSchema } from '../../presets/schema.ts';
import { presetFileText, takesNothing, takesQuery } from '../input.ts';
import { presetsView } from '../views.ts';
import { resourceRouter } from './router.ts';

/** The name an exported preset file is saved under (what the team commits to its repository). */
export const PRESETS_EXPORT_FILENAME = 'ecs-endpoints.presets.json';

/** /presets: the loaded presets, import, export and the file's JSON Schema. */
export function presetRoutes(b: Backend): Router {
  const api = resourceRouter();

  api.get('/presets', takesNothing, (_req, res) => {
    res.json(presetsView(b));
  });

  api.put('/presets', takesQuery(), (req, res) => {
    // Throws PresetError (400 with issues) when the file is refused; then nothing changes. On
    // success the store's change event tells live clients (LiveHub) and rebuilds the task model.
    b.presets.import(presetFileText(req));
    res.json(presetsView(b));
  });

  api.get('/presets/export', takesNothing, (_req, res) => {
    res.set('Content-Disposition', `attachment; filename="${PRESETS_EXPORT_FILENAME}"`);
    res.type('application/json').send(JSON.stringify(b.presets.export(), null, 2) + '\n');
  });

  api.get('/presets/schema', takesNothing, (_req, res) => {
    res.type('application/schema+json').send(JSON.stringify(presetJsonSchema(), null, 2) + '\n');
  });

  return api;
}
