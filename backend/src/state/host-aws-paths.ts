import { join } from 'node:path';
import { z } from 'zod/v4';
import { HostAwsPathsSchema, type HostAwsPaths } from '@ecs-endpoints/contract';
import { JsonFile } from './json-file.ts';

const Schema = z.object({ version: z.literal(1), paths: HostAwsPathsSchema.optional() });

/** Where the person's AWS files are on the host (Docker Desktop), remembered across restarts. */
export class HostAwsPathsStore {
  private readonly file: JsonFile<z.infer<typeof Schema>>;

  constructor(stateDir: string) {
    this.file = new JsonFile(join(stateDir, 'host-aws.json'), Schema, () => ({ version: 1 as const }));
  }

  get problems() {
    return this.file.problems;
  }

  get(): HostAwsPaths | undefined {
    return this.file.get().paths;
  }

  set(paths: HostAwsPaths): void {
    this.file.set({ version: 1, paths });
  }
}
