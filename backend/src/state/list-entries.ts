// Per-entry loading of list documents (one bad entry is put aside, not the whole file) and the
// wording of schema issues; JsonFile and the stores use both.

/** The part of a zod schema (v3 or v4) a state file needs. */
export interface Schema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export interface RejectedEntry {
  index: number;
  id?: string;
  reason: string;
  entry: unknown;
}

export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * Per-entry loading for a document like `{"version": 1, "sources": [...]}`: each entry is checked
 * alone so one bad entry is put aside instead of the whole file; an entry repeating an earlier
 * entry's `idKey` is rejected too. The rest must then pass the document's schema.
 */
export function listEntries<T>(
  schema: Schema<T>,
  key: string,
  check: (entry: unknown) => string | undefined,
  idKey: string,
): (raw: unknown) => { value: T; rejected: RejectedEntry[] } | undefined {
  return (raw) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
    const list = (raw as Record<string, unknown>)[key];
    if (!Array.isArray(list)) return undefined;
    const kept: unknown[] = [];
    const rejected: RejectedEntry[] = [];
    const seen = new Set<string>();
    list.forEach((entry: unknown, index) => {
      const idValue = entry && typeof entry === 'object' ? (entry as Record<string, unknown>)[idKey] : undefined;
      const id = typeof idValue === 'string' ? idValue : undefined;
      const reason = check(entry) ?? (id !== undefined && seen.has(id) ? `repeats ${idKey} "${id}" of an earlier entry` : undefined);
      if (reason) {
        rejected.push({ index, ...(id !== undefined ? { id } : {}), reason, entry });
        return;
      }
      kept.push(entry);
      if (id !== undefined) seen.add(id);
    });
    const parsed = schema.safeParse({ ...raw, [key]: kept });
    return parsed.success ? { value: parsed.data, rejected } : undefined;
  };
}
