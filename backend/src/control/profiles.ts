import { readFile } from 'node:fs/promises';

/**
 * Profile names from the AWS shared config and credentials files: `[default]` and `[profile x]`
 * sections of config, every section of credentials. Names only: nothing else is read out of them.
 */
export function profileNames(config: string, credentials: string): string[] {
  const names = new Set<string>();
  const sections = (text: string) => [...text.matchAll(/^[ \t]*\[([^\]\r\n]+)\][ \t]*(?:[#;].*)?$/gm)].map((m) => m[1]!.trim());
  for (const s of sections(config)) {
    if (s === 'default') names.add('default');
    else {
      const m = /^profile[ \t]+(.+)$/.exec(s);
      if (m) names.add(m[1]!.trim());
    }
  }
  for (const s of sections(credentials)) names.add(s);
  return [...names].filter(Boolean).sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)));
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return '';
    throw err;
  }
}

export async function listProfiles(files: { config: string; credentials: string }): Promise<string[]> {
  const [config, credentials] = await Promise.all([readOrEmpty(files.config), readOrEmpty(files.credentials)]);
  return profileNames(config, credentials);
}
