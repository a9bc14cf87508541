import { describeProfiles } from '../credentials/profiles.ts';

/**
 * Profile names, `default` first: the profiles the AWS SDK itself reads from the files (one
 * parser, the SDK's, so the picker never offers a profile the SDK would skip).
 */
export async function listProfiles(files: { config: string; credentials: string }): Promise<string[]> {
  return (await describeProfiles(files)).map((p) => p.name);
}
