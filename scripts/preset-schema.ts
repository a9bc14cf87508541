// Writes docs/preset.schema.json from the zod schema (npm run schema). A unit test checks the
// committed file equals this output, so the published schema cannot drift from the code.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { presetJsonSchema } from '../backend/src/presets/schema.ts';

const out = fileURLToPath(new URL('../docs/preset.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(presetJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
